package org.phi3vspark.udf.conf;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/** Ships the driver's Hadoop configuration (fs.s3a.*, fs.*.impl) to executors inside task closures. */
public final class SerializableHadoopConf implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private transient Configuration conf;

    public SerializableHadoopConf(Configuration conf) {
        this.conf = new Configuration(conf);
    }

    public Configuration get() {
        return conf;
    }

    @Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        conf.write(out);
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}
