package org.phi3vspark.udf.row;

import java.io.Serializable;
import java.util.List;

/**
 * One planned request: an item (its images, stat-ed once) under one task. Input of the partition function.
 *
 * @param invalid why the planner could not make a request of the row (an invalid conversation), or null; the
 *                partition function turns it into an error row naming the item
 */
public record WorkItem(String itemId, List<ImageFile> images, Request request, String contentKey, String invalid)
        implements Serializable {

    public List<String> imageUris() {
        return images.stream().map(ImageFile::uri).toList();
    }
}
