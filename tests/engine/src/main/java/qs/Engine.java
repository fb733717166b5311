package qs;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.opensearch.Version;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * One OpenSearch node in this JVM, bound to 127.0.0.1. Prints {@code ENGINE_URL=http://127.0.0.1:PORT}
 * on standard output once the node answers HTTP, then runs until SIGTERM/SIGINT or until standard
 * input closes (unless {@code -Dengine.ignoreStdin=true}).
 *
 * <p>Arguments: the node's home directory (data and logs go under it) and the HTTP port (0 picks a
 * free one).
 */
public final class Engine {
    /** Module plugins by their 2.19 class names; a missing one is an error, not a silent skip. */
    private static final String[] PLUGINS = {
        "org.opensearch.transport.Netty4Plugin", // REST over HTTP
        "org.opensearch.index.reindex.ReindexPlugin", // _delete_by_query
    };

    /** The constructor that takes classpath plugins is protected. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }

        @Override
        protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {}
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        long t0 = System.nanoTime();
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: Engine HOME_DIR [HTTP_PORT]");
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String httpPort = args.length > 1 ? args[1] : "0";
        for (String dir : new String[] {"config", "data", "logs", "modules", "plugins"}) {
            Files.createDirectories(home.resolve(dir));
        }
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        for (String name : PLUGINS) {
            plugins.add(Class.forName(name).asSubclass(Plugin.class));
        }
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "quantumstate-test")
            .put("node.name", "engine")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", "0")
            .put("discovery.type", "single-node")
            // A small CI disk must not make indices read-only or leave shards unassigned.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("indices.breaker.total.use_real_memory", false)
            // Elasticsearch 8's default: no wildcard deletes of indices.
            .put("action.destructive_requires_name", true)
            .build();
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> "engine");
        Node node = new EmbeddedNode(env, plugins);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node), "engine-shutdown"));
        node.start();
        TransportAddress addr = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        String url = "http://127.0.0.1:" + addr.getPort();
        waitForHttp(url);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.printf("engine: OpenSearch %s answering at %s, %d ms after the JVM entered main%n", Version.CURRENT, url, ms);
        System.out.println("ENGINE_URL=" + url);
        System.out.flush();
        if (!Boolean.getBoolean("engine.ignoreStdin")) {
            Thread watch = new Thread(() -> {
                try {
                    byte[] buf = new byte[512];
                    while (System.in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // a broken pipe is a close too
                }
                System.exit(0); // runs the shutdown hook
            }, "engine-stdin");
            watch.setDaemon(true);
            watch.start();
        }
        Thread.currentThread().join();
    }

    /** Polls GET / until the node answers 200, for at most 30 s. */
    private static void waitForHttp(String url) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpURLConnection conn = (HttpURLConnection) new URL(url + "/").openConnection();
                conn.setConnectTimeout(1000);
                conn.setReadTimeout(5000);
                if (conn.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the node did not answer GET / at " + url + " within 30 s", e);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the node did not answer GET / with 200 at " + url + " within 30 s");
            }
            Thread.sleep(100);
        }
    }

    private static synchronized void stop(Node node) {
        try {
            node.close();
            node.awaitClose(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            e.printStackTrace();
        }
    }
}
