// Runs mongo-java-server on loopback for local use and tests: a real MongoDB wire-protocol server
// where no mongod or FerretDB can be installed. Prints "listening <host>:<port>" once bound and
// exits when its standard input closes, so it never outlives the process that started it.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import org.h2.mvstore.MVStore;

public class Launcher {
  public static void main(String[] args) throws Exception {
    String host = args.length > 0 ? args[0] : "127.0.0.1";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    String dataFile = args.length > 2 ? args[2] : "";
    MongoBackend backend = dataFile.isEmpty() ? new MemoryBackend() : new H2Backend(openStore(dataFile));
    MongoServer server = new MongoServer(backend);
    server.bind(host, port);
    InetSocketAddress address = server.getLocalAddress();
    System.out.println("listening " + address.getHostString() + ":" + address.getPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // Drain until the parent closes the pipe.
    }
    server.shutdownNow();
    System.exit(0);
  }

  private static MVStore openStore(String dataFile) {
    MVStore store = new MVStore.Builder().fileName(dataFile).open();
    // Writes reach the file within 10 ms of being acknowledged (H2's default is a second).
    store.setAutoCommitDelay(10);
    return store;
  }
}
