package dev.kosh.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.kosh.api.SysResult;
import dev.kosh.driver.DriverInfo;
import dev.kosh.kernel.init.ServiceStatus;
import dev.kosh.kernel.process.ProcessInfo;

/**
 * The kernel's HTTP endpoint (JDK HTTP server, on loopback unless configured otherwise):
 * {@code GET /metrics} (Prometheus text), {@code GET /api/processes}, {@code GET /api/services},
 * {@code GET /api/drivers}, {@code GET /api/system}, and {@code GET /}, the live dashboard; and
 * {@code POST /api/drivers} (a driver jar), the one request that changes the system.
 */
final class HttpEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final Kernel kernel;

    private HttpEndpoint(Kernel kernel, HttpServer server, ExecutorService executor) {
        this.kernel = kernel;
        this.server = server;
        this.executor = executor;
    }

    static HttpEndpoint start(Kernel kernel, String bind, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kosh-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        HttpEndpoint endpoint = new HttpEndpoint(kernel, server, executor);
        server.createContext("/", endpoint::handle);
        server.start();
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (ex.getRequestMethod().equals("POST") && path.equals("/api/drivers")) {
                postDriver(ex);
                return;
            }
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, "text/plain", "method not allowed: only GET, and POST /api/drivers\n");
                return;
            }
            switch (path) {
                case "/" -> send(ex, 200, "text/html; charset=utf-8", dashboard());
                case "/metrics" -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", kernel.registry().scrape());
                case "/api/processes" -> send(ex, 200, "application/json", Json.write(processes()));
                case "/api/services" -> send(ex, 200, "application/json", Json.write(services()));
                case "/api/drivers" -> send(ex, 200, "application/json", Json.write(drivers()));
                case "/api/system" -> send(ex, 200, "application/json", Json.write(system()));
                default -> send(ex, 404, "text/plain", "no such resource: " + path + "\n");
            }
        } catch (RuntimeException e) {
            kernel.journal().warn("http", "request failed: " + e);
        }
    }

    /** Maximum size of a driver jar accepted over HTTP. */
    private static final int MAX_DRIVER_JAR = 64 << 20;

    /**
     * {@code POST /api/drivers} with a driver bundle jar as the body: installs and starts it, as
     * {@code insdrv} does (same checks: signature policy, spaces, resolution). 201 with the
     * driver as JSON, or 400 with the reason.
     */
    private void postDriver(HttpExchange ex) throws IOException {
        Path jar = java.nio.file.Files.createTempFile("kosh-driver-", ".jar");
        try {
            try (InputStream in = ex.getRequestBody()) {
                byte[] body = in.readNBytes(MAX_DRIVER_JAR + 1);
                if (body.length > MAX_DRIVER_JAR) {
                    send(ex, 413, "text/plain", "driver jar larger than " + (MAX_DRIVER_JAR >> 20) + " MiB\n");
                    return;
                }
                java.nio.file.Files.write(jar, body);
            }
            String name = ex.getRequestURI().getQuery() != null && ex.getRequestURI().getQuery().startsWith("name=")
                    ? ex.getRequestURI().getQuery().substring(5) : "upload";
            switch (kernel.installDriver(jar, "kosh-http:" + name)) {
                case SysResult.Ok<DriverInfo> ok -> {
                    kernel.journal().info("http", "driver " + ok.value().name() + " installed over HTTP, pid " + ok.value().pid());
                    send(ex, 201, "application/json", Json.write(driver(ok.value())));
                }
                case SysResult.Err<DriverInfo> err -> send(ex, 400, "text/plain", err.message() + "\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(ex, 503, "text/plain", "interrupted\n");
        } finally {
            java.nio.file.Files.deleteIfExists(jar);
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
    }

    private List<Map<String, Object>> processes() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ProcessInfo p : kernel.processes().snapshot()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", p.pid());
            m.put("ppid", p.ppid());
            m.put("name", p.name());
            m.put("state", p.state().label());
            m.put("priority", p.priority().label());
            m.put("cpuMillis", p.cpuTime().toMillis());
            m.put("threads", p.threads());
            m.put("bundle", p.origin());
            m.put("capabilities", p.capabilities().names().stream().sorted().toList());
            m.put("args", p.args());
            m.put("started", p.started().toString());
            list.add(m);
        }
        return list;
    }

    private List<Map<String, Object>> services() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (ServiceStatus s : kernel.init().services()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("state", s.state().label());
            m.put("pid", s.pid());
            m.put("restarts", s.restarts());
            m.put("lastExit", s.lastExit());
            list.add(m);
        }
        return list;
    }

    private List<Map<String, Object>> drivers() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (DriverInfo d : kernel.drivers().list()) list.add(driver(d));
        return list;
    }

    private static Map<String, Object> driver(DriverInfo d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("bundle", d.bundle());
        m.put("pid", d.pid());
        m.put("state", d.state().label());
        m.put("requests", d.requests());
        m.put("faults", d.faults());
        m.put("restarts", d.restarts());
        return m;
    }

    private Map<String, Object> system() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("boot", kernel.journal().boot());
        m.put("uptimeMillis", Duration.between(kernel.jvmStart(), Instant.now()).toMillis());
        m.put("readyMillis", kernel.readyMillis());
        var mem = kernel.memory().stats();
        m.put("freeFrames", mem.freeFrames());
        m.put("totalFrames", mem.totalFrames());
        m.put("journalEntries", kernel.journal().entriesAppended());
        m.put("heapUsedBytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
        return m;
    }

    private String dashboard() throws IOException {
        try (InputStream in = HttpEndpoint.class.getResourceAsStream("dashboard.html")) {
            if (in == null) return "dashboard page missing from the launcher jar\n";
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
