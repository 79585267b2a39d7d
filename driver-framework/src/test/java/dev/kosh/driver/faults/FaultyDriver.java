package dev.kosh.driver.faults;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.sandbox.Checkpoint;

/**
 * The campaign's driver: an echo device that misbehaves on request. {@code echo} answers its
 * payload; {@code whoami} the instance's number; {@code fault} with payload {class, variant}
 * commits that fault; {@code arm-cleanup} makes this instance's cleanup throw. The injector arms
 * crashes in init through {@link Arming}, the one thing instances share (as MINIX's injector
 * patches the driver binary before the next start).
 *
 * <p>The hang and the allocation bomb loop through {@link Checkpoint#poll()}, the preemption point
 * the kernel's weaver puts on every loop back-edge of driver code, so a killed instance unwinds as
 * woven driver code would.
 */
final class FaultyDriver implements KoshDriver {
    /** What the injector sets up for instances not started yet. */
    static final class Arming {
        final AtomicInteger initCrashes = new AtomicInteger();
        final AtomicInteger instances = new AtomicInteger();
    }

    private final Arming arming;
    private final int instance;
    private boolean cleanupThrows;
    /** Keeps the bomb's allocations reachable long enough that the JIT cannot drop them. */
    private static volatile Object sink;

    FaultyDriver(Arming arming) {
        this.arming = arming;
        this.instance = arming.instances.incrementAndGet();
    }

    @Override
    public Optional<DriverError> init() {
        if (arming.initCrashes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("injected: init crash in instance " + instance);
        }
        return Optional.empty();
    }

    @Override
    public DriverResponse handleRequest(DriverRequest request) {
        return switch (request.operation()) {
            case "echo" -> DriverResponse.ok(request.payload());
            case "whoami" -> DriverResponse.ok(Integer.toString(instance).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            case "arm-cleanup" -> {
                cleanupThrows = true;
                yield DriverResponse.ok(null);
            }
            case "fault" -> fault(request.payload());
            default -> DriverResponse.failed(DriverError.Code.NOT_SUPPORTED, request.operation());
        };
    }

    private DriverResponse fault(byte[] what) {
        FaultClass c = FaultClass.values()[what[0]];
        int variant = what[1];
        return switch (c) {
            case EXCEPTION, INIT_CRASH -> throwSomething(variant);
            case HANG -> {
                while (true) {
                    Checkpoint.poll();
                    LockSupport.parkNanos(1_000_000_000L);
                }
            }
            case CORRUPT_REPLY -> switch (variant % 5) {
                case 0 -> null;
                case 1 -> DriverResponse.failed(DriverError.Code.TIMEOUT, "driver pretends the kernel timed it out");
                case 2 -> DriverResponse.failed(DriverError.Code.RESTARTED, "driver pretends it was restarted");
                case 3 -> DriverResponse.failed(DriverError.Code.UNAVAILABLE, "driver pretends it is not running");
                default -> variant % 20 == 4 ? DriverResponse.ok(new byte[(16 << 20) + 1]) : null;
            };
            case QUOTA_BOMB -> {
                while (true) {
                    Checkpoint.poll();
                    sink = new byte[64 << 10];
                }
            }
            case CLEANUP_CRASH -> DriverResponse.failed(DriverError.Code.INVALID_REQUEST, "cleanup crashes are armed with arm-cleanup");
        };
    }

    private static DriverResponse throwSomething(int variant) {
        switch (variant % 8) {
            case 0 -> {
                Object nothing = null;
                return DriverResponse.ok(nothing.toString().getBytes()); // a real NullPointerException
            }
            case 1 -> {
                int[] registers = new int[4];
                return DriverResponse.ok(new byte[registers[variant + 7]]); // a real ArrayIndexOutOfBoundsException
            }
            case 2 -> {
                return DriverResponse.ok(new byte[Integer.parseInt("0x" + variant)]); // NumberFormatException
            }
            case 3 -> {
                if (variant % 32 == 3) return DriverResponse.ok(new byte[depth(0)]); // a real StackOverflowError (an Error)
                throw new UnsupportedOperationException("injected: unsupported state");
            }
            default -> throw new IllegalStateException("injected: device on fire (" + variant + ")");
        }
    }

    private static int depth(int n) {
        return depth(n + 1) + 1;
    }

    @Override
    public void cleanup() {
        if (cleanupThrows) throw new IllegalStateException("injected: cleanup crash in instance " + instance);
    }

    @Override
    public DriverCapabilities getCapabilities() {
        return new DriverCapabilities("test", Set.of("echo", "whoami", "fault", "arm-cleanup"));
    }
}
