// Runs mongo-java-server for local use and tests: a real MongoDB wire-protocol server where no
// mongod or FerretDB can be installed. Usage: Launcher <address> [dataFile], where <address> is
// "host:port" (TCP; port 0 picks a free one) or an absolute path ending in ".sock" (a Unix domain
// socket; only its folder's permissions guard it). Without a data file the data lives in memory.
// Prints "listening <address>" once bound and exits when its standard input closes, so it never
// outlives the process that started it.
//
// With a data file, every command that may write is committed to the file and forced to disk
// (fsync) before its reply is sent, so an acknowledged write survives kill -9 of this process and
// a crash of the machine. The file is created owner-only (0600).
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;

public class Launcher {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  public static void main(String[] args) throws Exception {
    String address = args.length > 0 ? args[0] : "127.0.0.1:0";
    String dataFile = args.length > 1 ? args[1] : "";
    // The store is opened (and its file locked) before the socket is touched, so a second
    // launcher on the same folder fails here instead of taking over the first one's socket.
    MongoBackend backend = dataFile.isEmpty() ? new MemoryBackend() : new DurableH2Backend(openStore(Path.of(dataFile)));
    Runnable stop;
    if (address.startsWith("/")) {
      stop = serveUnixSocket(backend, Path.of(address));
    } else {
      int colon = address.lastIndexOf(':');
      MongoServer server = new MongoServer(backend);
      server.bind(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
      InetSocketAddress bound = server.getLocalAddress();
      address = bound.getHostString() + ":" + bound.getPort();
      stop = server::shutdownNow;
    }
    System.out.println("listening " + address);
    System.out.flush();
    while (System.in.read() != -1) {
      // Drain until the parent closes the pipe.
    }
    stop.run();
    System.exit(0);
  }

  private static MVStore openStore(Path dataFile) throws Exception {
    if (POSIX) {
      if (!Files.exists(dataFile)) {
        Files.createFile(dataFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      }
      Files.setPosixFilePermissions(dataFile, OWNER_ONLY);
    }
    // H2's background thread stays (default delay, one second) for its housekeeping: it compacts
    // the file. Durability does not depend on it: DurableH2Backend commits every write itself.
    return new MVStore.Builder().fileName(dataFile.toString()).open();
  }

  /**
   * mongo-java-server's own wiring (MongoServer.bind), on a Unix domain socket instead of TCP.
   * MongoServer hard-codes a TCP channel, so the same pipeline is assembled here.
   */
  private static Runnable serveUnixSocket(MongoBackend backend, Path socket) throws Exception {
    Files.deleteIfExists(socket); // left behind by a killed launcher; the store lock above is ours
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    ChannelGroup clients = new DefaultChannelGroup("mongodb-channels", workers.next());
    Channel server = new ServerBootstrap()
        .group(boss, workers)
        .channel(NioServerDomainSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 100)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new MongoWireReplyEncoder());
            ch.pipeline().addLast(new MongoWireMessageEncoder());
            ch.pipeline().addLast(new MongoWireProtocolHandler());
            ch.pipeline().addLast(new MongoDatabaseHandler(backend, clients));
            ch.pipeline().addLast(new MongoExceptionHandler());
          }
        })
        .bind(UnixDomainSocketAddress.of(socket))
        .syncUninterruptibly()
        .channel();
    // The folder is private already; this only keeps the socket consistent with the data file.
    Files.setPosixFilePermissions(socket, OWNER_ONLY);
    return () -> {
      server.close().syncUninterruptibly();
      clients.close().awaitUninterruptibly();
      boss.shutdownGracefully();
      workers.shutdownGracefully();
      boss.terminationFuture().syncUninterruptibly();
      workers.terminationFuture().syncUninterruptibly();
      backend.close();
      try {
        Files.deleteIfExists(socket);
      } catch (Exception ignored) {
        // Removed again at the next start.
      }
    };
  }

  /**
   * H2Backend that makes a write durable before it is acknowledged: after any command that may
   * write, it commits the MVStore and forces the file to disk, then lets the reply go out.
   * mongo-java-server answers a request only after handleCommand returns (MongoDatabaseHandler),
   * and every command (OP_MSG and legacy $cmd queries) goes through handleCommand.
   */
  static final class DurableH2Backend extends H2Backend {
    /** Commands that never write; anything else (including unknown commands) is made durable. */
    private static final Set<String> READS = Set.of(
        "find", "getmore", "count", "distinct", "listcollections", "listindexes", "listdatabases",
        "ismaster", "hello", "ping", "buildinfo", "serverstatus", "whatsmyuri", "dbstats", "collstats",
        "killcursors", "endsessions", "getlasterror", "getlog", "connectionstatus", "hostinfo",
        "getcmdlineopts", "getfreemonitoringstatus", "getparameter", "replsetgetstatus", "validate");

    private final MVStore store;
    /** FileStore write count covered by the last fsync; read and written under H2's store lock. */
    private final AtomicLong syncedWrites = new AtomicLong(-1);

    DurableH2Backend(MVStore store) {
      super(store);
      this.store = store;
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      if (command.equalsIgnoreCase("whatsmyuri") && !(channel.remoteAddress() instanceof InetSocketAddress)) {
        Document response = new Document("you", String.valueOf(channel.remoteAddress()));
        Utils.markOkay(response);
        return response; // the base class assumes TCP
      }
      if (isRead(command, query)) {
        return super.handleCommand(channel, database, command, query);
      }
      try {
        return super.handleCommand(channel, database, command, query);
      } finally {
        // Also after a failed command: it may have written part of a batch. If this throws, the
        // client gets an error instead of an acknowledgement.
        makeDurable();
      }
    }

    private static boolean isRead(String command, Document query) {
      String name = command.toLowerCase(Locale.ROOT);
      if (name.equals("aggregate")) {
        Object pipeline = query.get("pipeline");
        if (!(pipeline instanceof List<?> stages)) return false;
        for (Object stage : stages) {
          if (!(stage instanceof Map<?, ?> map) || map.containsKey("$out") || map.containsKey("$merge")) return false;
        }
        return true;
      }
      return READS.contains(name);
    }

    /**
     * Commits what is in memory and fsyncs the file. Thread-safe through H2's own store lock:
     * commit() stores every change made before it (or finds that another thread already did);
     * executeFilestoreOperation drains H2's background write pipeline and runs the fsync with
     * the store lock held, so the write count read there is exact. Concurrent writers share
     * fsyncs: one that finds nothing written since the last fsync skips its own.
     */
    private void makeDurable() {
      store.commit();
      FileStore<?> fileStore = store.getFileStore();
      store.executeFilestoreOperation(() -> {
        long writes = fileStore.getWriteCount();
        if (writes != syncedWrites.get()) {
          fileStore.sync();
          syncedWrites.set(writes);
        }
      });
    }
  }
}
