package heronrs.minidfs;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * Runs a real HDFS for the integration tests: one NameNode and one DataNode in this JVM (Hadoop's
 * MiniDFSCluster), both on 127.0.0.1.
 *
 * <pre>
 *   java -cp ... heronrs.minidfs.MiniDfs --base-dir DIR --conf-dir DIR [--port N] [--watch-stdin]
 * </pre>
 *
 * Once the cluster serves, it writes a Hadoop client configuration (core-site.xml, hdfs-site.xml) into the
 * conf dir and prints {@code READY hdfs://127.0.0.1:PORT} on stdout. It shuts the cluster down on SIGTERM,
 * SIGINT, or (with --watch-stdin) when stdin reaches end of file.
 */
public final class MiniDfs {
  private MiniDfs() {}

  public static void main(String[] args) throws Exception {
    String baseDir = null;
    String confDir = null;
    int port = 0;
    boolean watchStdin = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--base-dir":
          baseDir = value(args, ++i, "--base-dir");
          break;
        case "--conf-dir":
          confDir = value(args, ++i, "--conf-dir");
          break;
        case "--port":
          try {
            port = Integer.parseInt(value(args, ++i, "--port"));
          } catch (NumberFormatException e) {
            usage("--port needs a number, got '" + args[i] + "'");
          }
          break;
        case "--watch-stdin":
          watchStdin = true;
          break;
        default:
          usage("unknown argument '" + args[i] + "'");
      }
    }
    if (baseDir == null || confDir == null) {
      usage("--base-dir and --conf-dir are required");
    }

    File base = new File(baseDir).getAbsoluteFile();
    Configuration conf = new HdfsConfiguration();
    // Everything the daemons write stays under the base dir (not /tmp/hadoop-<user>).
    conf.set("hadoop.tmp.dir", new File(base, "tmp").getPath());
    conf.setInt("dfs.replication", 1);
    // One DataNode: a pipeline cannot replace a failed node, so do not try.
    conf.set("dfs.client.block.write.replace-datanode-on-failure.enable", "false");

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base)
        .numDataNodes(1)
        .nameNodePort(port)
        .format(true)
        .build();
    // Stop on SIGTERM/SIGINT from the main thread rather than in a JVM shutdown hook: Hadoop's daemons
    // register shutdown hooks of their own and fail noisily when stopped while the JVM is already exiting.
    CountDownLatch stop = new CountDownLatch(1);
    sun.misc.SignalHandler onSignal = sig -> stop.countDown();
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), onSignal);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), onSignal);

    cluster.waitActive();
    cluster.waitClusterUp();
    int nnPort = cluster.getNameNodePort();
    String url = "hdfs://127.0.0.1:" + nnPort;
    writeClientConf(Paths.get(confDir), url);
    System.out.println("READY " + url);
    System.out.flush();

    if (watchStdin) {
      Thread watcher = new Thread(() -> {
        byte[] buf = new byte[256];
        try {
          while (System.in.read(buf) >= 0) {
            // Wait for end of file: the parent closed our stdin or went away.
          }
        } catch (IOException e) {
          // A broken stdin counts as closed.
        }
        stop.countDown();
      }, "minidfs-stdin");
      watcher.setDaemon(true);
      watcher.start();
    }
    stop.await();
    System.err.println("minidfs: shutting down");
    cluster.shutdown();
    System.exit(0);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      usage(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("minidfs: " + problem);
    System.err.println(
        "usage: MiniDfs --base-dir DIR --conf-dir DIR [--port N] [--watch-stdin]");
    System.exit(2);
  }

  /** Writes core-site.xml and hdfs-site.xml for a client on this machine; atomically, so readers never see half. */
  private static void writeClientConf(Path dir, String url) throws IOException {
    Files.createDirectories(dir);
    Map<String, String> core = new LinkedHashMap<>();
    core.put("fs.defaultFS", url);
    Map<String, String> hdfs = new LinkedHashMap<>();
    hdfs.put("dfs.replication", "1");
    // The DataNode registered as 127.0.0.1; connect to that address, not to a host name that may
    // resolve to another interface.
    hdfs.put("dfs.client.use.datanode.hostname", "false");
    hdfs.put("dfs.client.block.write.replace-datanode-on-failure.enable", "false");
    writeXml(dir.resolve("core-site.xml"), core);
    writeXml(dir.resolve("hdfs-site.xml"), hdfs);
  }

  private static void writeXml(Path file, Map<String, String> props) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\"?>\n<!-- Written by tests/minidfs for the running MiniDFSCluster. -->\n");
    sb.append("<configuration>\n");
    for (Map.Entry<String, String> e : props.entrySet()) {
      sb.append("  <property><name>").append(e.getKey()).append("</name><value>")
          .append(e.getValue()).append("</value></property>\n");
    }
    sb.append("</configuration>\n");
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
