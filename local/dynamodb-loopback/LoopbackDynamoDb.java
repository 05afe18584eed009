import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local with its HTTP connector bound to one address instead of every interface.
 * DynamoDB Local has only -port: its DynamoDBProxyServer builds `new Server(port)`, a Jetty
 * connector on the wildcard address. Before starting, this sets the connector's host.
 * Telemetry is never configured, so DynamoDB Local sends nothing off the machine.
 *
 * Usage: java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/*:<this dir> LoopbackDynamoDb <address> [DynamoDB Local options]
 * Built by `npm run build:dynamodb-loopback` (javac --release 17); the .class is committed beside this file.
 */
public final class LoopbackDynamoDb {
    private LoopbackDynamoDb() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoopbackDynamoDb <bind address> [DynamoDB Local options]");
            System.exit(2);
        }
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
        bind(proxy, args[0]);
        proxy.start();
    }

    /** Sets the host of every connector of the proxy's Jetty server; fails if there is none. */
    private static void bind(DynamoDBProxyServer proxy, String host) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        Connector[] connectors = jetty.getConnectors();
        if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local's Jetty server has no connector to bind");
        for (Connector connector : connectors) {
            ((ServerConnector) connector).setHost(host);
        }
    }
}
