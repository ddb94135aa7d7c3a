package heronrs.curatorlock;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * Takes a ZooKeeper lock with Apache Curator's {@link InterProcessSemaphoreMutex}, the recipe Heron's Java
 * tooling uses for {@code <root>/locks/<topology>__updateTopology}.
 *
 * <pre>
 *   CuratorLock hold CONNECT PATH SECONDS [--watch-stdin]
 *       waits (up to 60 s) for the lock, prints ACQUIRED, holds it SECONDS (or until stdin EOF with
 *       --watch-stdin), releases it, prints RELEASED. Exit 0; 1 if it never got the lock.
 *   CuratorLock try CONNECT PATH TIMEOUT_MS
 *       exit 0 if the lock was acquired within TIMEOUT_MS (it is released again), 1 if not.
 * </pre>
 *
 * Exit 2 on bad arguments, 5 when ZooKeeper cannot be reached within 15 s.
 */
public final class CuratorLock {
  private static final int HOLD_WAIT_SECONDS = 60;

  private CuratorLock() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      usage("expected 4 arguments");
    }
    String mode = args[0];
    String connect = args[1];
    String path = args[2];
    long amount = 0;
    try {
      amount = Long.parseLong(args[3]);
    } catch (NumberFormatException e) {
      usage("'" + args[3] + "' is not a number");
    }
    boolean watchStdin = args.length > 4 && "--watch-stdin".equals(args[4]);
    if (!"hold".equals(mode) && !"try".equals(mode)) {
      usage("unknown mode '" + mode + "'");
    }

    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .retryPolicy(new ExponentialBackoffRetry(500, 3))
        .connectionTimeoutMs(15000)
        .sessionTimeoutMs(30000)
        .build();
    client.start();
    int code;
    try {
      if (!client.blockUntilConnected(15, TimeUnit.SECONDS)) {
        System.err.println("curator-lock: cannot connect to ZooKeeper at " + connect);
        code = 5;
      } else if ("hold".equals(mode)) {
        code = hold(client, path, amount, watchStdin);
      } else {
        code = tryOnce(client, path, amount);
      }
    } finally {
      client.close();
    }
    System.exit(code);
  }

  private static int hold(CuratorFramework client, String path, long seconds, boolean watchStdin)
      throws Exception {
    InterProcessSemaphoreMutex lock = new InterProcessSemaphoreMutex(client, path);
    if (!lock.acquire(HOLD_WAIT_SECONDS, TimeUnit.SECONDS)) {
      System.err.println("curator-lock: " + path + " still held by someone else after "
          + HOLD_WAIT_SECONDS + " s");
      return 1;
    }
    System.out.println("ACQUIRED");
    System.out.flush();
    CountDownLatch done = new CountDownLatch(1);
    if (watchStdin) {
      Thread watcher = new Thread(() -> {
        byte[] buf = new byte[64];
        try {
          while (System.in.read(buf) >= 0) {
            // Wait for end of file.
          }
        } catch (IOException e) {
          // A broken stdin counts as closed.
        }
        done.countDown();
      }, "stdin-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    done.await(seconds, TimeUnit.SECONDS);
    lock.release();
    System.out.println("RELEASED");
    System.out.flush();
    return 0;
  }

  private static int tryOnce(CuratorFramework client, String path, long timeoutMs) throws Exception {
    InterProcessSemaphoreMutex lock = new InterProcessSemaphoreMutex(client, path);
    if (lock.acquire(timeoutMs, TimeUnit.MILLISECONDS)) {
      lock.release();
      System.out.println("ACQUIRED");
      return 0;
    }
    System.out.println("BUSY");
    return 1;
  }

  private static void usage(String problem) {
    System.err.println("curator-lock: " + problem);
    System.err.println("usage: curator-lock.sh hold CONNECT PATH SECONDS | try CONNECT PATH TIMEOUT_MS");
    System.exit(2);
  }
}
