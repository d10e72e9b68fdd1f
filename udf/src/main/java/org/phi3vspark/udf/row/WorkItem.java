package org.phi3vspark.udf.row;

import java.io.Serializable;
import java.util.List;
import org.phi3vspark.model.image.VideoDecoder;

/**
 * One planned request: an item (its images, stat-ed once) under one task. Input of the partition function.
 *
 * @param images  the item's image files in prompt order; for a video item, the one video file
 * @param video   for a video item (manifest column video_uri), how its frames are sampled: the frames are the
 *                item's images, in time order; null for an item of images
 * @param invalid why the planner could not make a request of the row (an invalid conversation), or null; the
 *                partition function turns it into an error row naming the item
 */
public record WorkItem(String itemId, List<ImageFile> images, VideoDecoder.Sampling video, Request request,
                       String contentKey, String invalid) implements Serializable {

    public boolean isVideo() {
        return video != null;
    }

    /** The same item asking {@code request} (a video item's prompt gets its image tags once its frames are known). */
    public WorkItem withRequest(Request other) {
        return new WorkItem(itemId, images, video, other, contentKey, invalid);
    }

    public List<String> imageUris() {
        return images.stream().map(ImageFile::uri).toList();
    }
}
