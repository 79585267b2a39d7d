package dev.kosh.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-value example in the assembled system: the service bundle runs at boot as a process,
 * registers its endpoint, and shows in {@code caps} and {@code ipcstat}; a client the policy does not
 * grant {@code service:kv} is refused at lookup.
 *
 * <p>The client's calls and the server's death mid-call (DEAD_PEER) are checked in the launcher's
 * {@code IpcCommandsTest} against a kernel in the test's JVM: {@code system.conf}'s name lists
 * refuse ':' today, so no policy file can grant {@code service:kv} to a process of a booted Kosh.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class IpcIT {
    @TempDir
    Path data;

    @Test
    void theKeyValueServiceRunsAtBootAndItsCapabilitiesAndEndpointAreListed() throws Exception {
        Path conf = data.resolve("system.conf");
        Files.writeString(conf, """
                [kernel]
                deploy.capabilities = console, spawn
                [driver null]
                bundle = dev.kosh.driver.null
                essential = true
                [service kv]
                program = dev.kosh.examples.kvservice
                capabilities = console, publish
                """);
        // pids: init 1, the null driver 2, kv 3 (pids are handed out in boot order, never reused)
        KoshInstance.Result r = KoshInstance.run(data, "--config", conf.toString(), "--exec",
                "caps 3; ipcstat; caps 99; run dev.kosh.examples.kvclient");
        String out = r.output();
        assertEquals(1, r.exitCode(), "caps 99 and the ungranted client fail:\n" + out);
        assertTrue(out.matches("(?s).*\\[  OK  ] Started kv \\(pid 3\\).*"), out);
        assertTrue(out.contains("kv-service: serving 'kv' as pid 3"), out);
        Matcher endpoint = Pattern.compile("\\n +\\d+ endpoint +#(\\d+) .* --gcv---- +- +-\\n").matcher(out);
        assertTrue(endpoint.find(), "caps 3 lists the server's endpoint:\n" + out);
        // ... its handle to itself and to its main thread, then the endpoint (no call yet: no reply object)
        assertTrue(out.matches("(?s).*\\n +1 process +#\\d+ pid 3 kv +r-g----ia +- +-\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n +2 thread +#\\d+ thread main of pid 3 +r-g----ia +- +-\\n.*"), out);
        assertTrue(out.contains("3 capabilities; grants: console,publish"), out);
        assertTrue(out.contains("services: kv (pid 3)"), out);
        assertTrue(out.matches("(?s).*\\n +" + endpoint.group(1) + " endpoint +\\d+ +0/1024 .*"), "ipcstat lists the same endpoint:\n" + out);
        assertTrue(out.contains("caps: no process 99"), out);
        assertTrue(out.contains("kv-client: lookup failed: NO_CAPABILITY"), out);
    }

    @Test
    void aGrantedClientGetsAnswersAndSeesDeadPeerWhenTheServiceIsKilledMidCall() throws Exception {
        Path conf = data.resolve("system.conf");
        Files.writeString(conf, """
                [kernel]
                deploy.capabilities = console, spawn, service:kv
                [driver null]
                bundle = dev.kosh.driver.null
                essential = true
                [service kv]
                program = dev.kosh.examples.kvservice
                capabilities = console, publish
                restart = never
                """);
        KoshInstance.Result r = KoshInstance.run(data, "--config", conf.toString(), "--exec",
                "run dev.kosh.examples.kvclient; run -b dev.kosh.examples.kvclient --slow 5000; run dev.kosh.hello --sleep 300; "
                        + "kill -9 3; run dev.kosh.hello --sleep 300; services");
        String out = r.output();
        assertEquals(0, r.exitCode(), out);
        assertTrue(out.contains("kv-client: get greeting -> bonjour"), "typed calls across two processes:\n" + out);
        assertTrue(out.contains("kv-client: get answer -> null") || out.contains("kv-client: get answer -> "), out);
        assertTrue(out.contains("kv-client: calling slowEcho (5000 ms)"), out);
        assertTrue(out.contains("kv-client: call failed: DEAD_PEER"), "the caller hears of the server's death:\n" + out);
        assertTrue(out.matches("(?s).*\\nkv +failed +- .*killed by KILL.*"), "init saw the service die:\n" + out);
    }
}
