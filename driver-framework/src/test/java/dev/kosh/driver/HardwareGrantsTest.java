package dev.kosh.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.kosh.api.Program;
import dev.kosh.api.Signal;
import dev.kosh.api.SysResult;
import dev.kosh.driver.api.DmaAccess;
import dev.kosh.driver.api.DmaBuffer;
import dev.kosh.driver.api.DriverCapabilities;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.DriverError;
import dev.kosh.driver.api.DriverRequest;
import dev.kosh.driver.api.DriverResponse;
import dev.kosh.driver.api.InterruptAccess;
import dev.kosh.driver.api.IrqLine;
import dev.kosh.driver.api.KoshDriver;
import dev.kosh.driver.api.PortAccess;
import dev.kosh.driver.api.PortWindow;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.kernel.process.CapabilitySet;
import dev.kosh.kernel.process.ProcessTable;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.memory.PhysicalMemory;
import dev.kosh.scheduler.KernelThreads;

/**
 * Interrupt lines, I/O ports and DMA buffers granted by the manager to a matched driver: its own
 * device's, reachable by position only, and nothing of the device next to it.
 */
@Timeout(20)
class HardwareGrantsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Two devices side by side: memory BAR 0, I/O BAR 1 (32 ports), an interrupt line each. */
    private static final PciDevice LEFT = Hardware.pci(3, 0x1234, 0x0001, 0x020000, List.of(
            new PciBar(0, 0xfe00_0000L, 0x1000, PciBar.IORESOURCE_MEM), new PciBar(1, 0x1000, 32, PciBar.IORESOURCE_IO)), OptionalInt.of(11));
    private static final PciDevice RIGHT = Hardware.pci(4, 0x1234, 0x0002, 0x020000, List.of(
            new PciBar(0, 0xfe10_0000L, 0x1000, PciBar.IORESOURCE_MEM), new PciBar(1, 0x1020, 32, PciBar.IORESOURCE_IO)), OptionalInt.of(12));

    @TempDir
    Path dir;
    private final Map<String, DriverContext> contexts = new ConcurrentHashMap<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PhysicalMemory memory = PhysicalMemory.create(16 << 20, List.of());
    private ProcessTable table;
    private DriverManager manager;

    /** Keeps the context its instance was given. */
    private final class Holder implements KoshDriver {
        private final String name;

        Holder(String name) {
            this.name = name;
        }

        public Optional<DriverError> init() {
            throw new AssertionError("the manager calls init(DriverContext)");
        }

        @Override
        public Optional<DriverError> init(DriverContext context) {
            contexts.put(name, context);
            return Optional.empty();
        }

        public DriverResponse handleRequest(DriverRequest request) {
            return DriverResponse.ok(null);
        }

        public void cleanup() {
        }

        public DriverCapabilities getCapabilities() {
            return new DriverCapabilities("net", Set.of("noop"));
        }
    }

    private void boot(Path portDevice) throws InterruptedException {
        table = new ProcessTable(new KernelThreads(), bundle -> SysResult.ok(new ProgramImage() {
            public String name() {
                return bundle;
            }

            public String origin() {
                return bundle + " 1.0";
            }

            public Set<String> declaredCapabilities() {
                return Set.of("log");
            }

            public Program instantiate() {
                String driver = bundle.substring(2);
                return manager.hostFor(driver, new Holder(driver)).orThrow();
            }
        }), new ListJournal(lines), (pid, text) -> { }, Duration.ofSeconds(1));
        table.createInit(new CapabilitySet(Set.of("log")));
        DeviceRegistry registry = new DeviceRegistry();
        registry.register(Hardware.driver("left", "pci:1234:0001"));
        registry.register(Hardware.driver("right", "pci:1234:0002"));
        registry.scan(List.of(LEFT, RIGHT), List.of());
        manager = new DriverManager(table, new ListJournal(lines), registry);
        manager.grantHardware(memory, portDevice);
        manager.start("left", "b.left", Set.of("log"), false, TIMEOUT).orThrow();
        manager.start("right", "b.right", Set.of("log"), false, TIMEOUT).orThrow();
    }

    @AfterEach
    void tearDown() {
        if (table != null) {
            table.terminateAll(Duration.ofSeconds(1));
            table.close();
        }
        memory.close();
    }

    @Test
    void aDriverWaitsOnItsOwnDevicesInterruptLineOnly() throws Exception {
        boot(null);
        InterruptAccess irqs = contexts.get("left").interrupts();
        IrqLine line = assertInstanceOf(InterruptAccess.Line.Granted.class, irqs.line(0)).irq();
        assertEquals(11, line.number());
        assertTrue(assertInstanceOf(InterruptAccess.Line.Refused.class, irqs.line(1)).reason().contains("no device 1"));
        assertInstanceOf(InterruptAccess.Line.Refused.class, irqs.line(-1));

        assertTrue(manager.interrupts().raise(RIGHT.address().toString()));
        assertEquals(0, line.await(Duration.ofMillis(50)), "the neighbour's interrupt does not reach this driver");
        assertTrue(manager.interrupts().raise(LEFT.address().toString()));
        assertTrue(manager.interrupts().raise(LEFT.address().toString()));
        assertEquals(2, line.await(Duration.ofSeconds(1)));
        assertFalse(manager.interrupts().raise("0000:00:09.0"), "no driver holds that device's line");
        IrqLine right = assertInstanceOf(InterruptAccess.Line.Granted.class, contexts.get("right").interrupts().line(0)).irq();
        assertEquals(1, right.await(Duration.ofSeconds(1)), "the right driver got its own raise");
    }

    @Test
    void aDriverReachesItsOwnPortRangeByIndexAndNotAPortBeyondIt() throws Exception {
        Path ports = dir.resolve("port"); // stands for /dev/port: the file offset is the port number
        Files.write(ports, new byte[0x2000]);
        boot(ports);
        PortAccess access = contexts.get("left").ports();
        PortWindow w = assertInstanceOf(PortAccess.Ports.Granted.class, access.open(0, 1)).window();
        w.write(2, 2, 0xbeef);
        w.write(31, 1, 0x7f);
        assertEquals(0xbeef, w.read(2, 2));
        byte[] file = Files.readAllBytes(ports);
        assertEquals((byte) 0xef, file[0x1002]);
        assertEquals((byte) 0xbe, file[0x1003]);
        assertEquals(0x7f, file[0x101f]);
        assertEquals(0, file[0x1020], "the right device's first port is untouched");
        assertThrows(IndexOutOfBoundsException.class, () -> w.write(32, 1, 1), "the neighbour's first port is past this range");
        assertThrows(IndexOutOfBoundsException.class, () -> w.read(31, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> w.read(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> w.read(0, 3));
        assertTrue(assertInstanceOf(PortAccess.Ports.Refused.class, access.open(0, 0)).reason().contains("no I/O-port range 0"),
                "BAR 0 is memory, not ports");
        assertInstanceOf(PortAccess.Ports.Refused.class, access.open(1, 1));
    }

    @Test
    void withoutAPortDeviceEveryRangeIsRefusedWithTheReason() throws Exception {
        boot(dir.resolve("absent"));
        String reason = assertInstanceOf(PortAccess.Ports.Refused.class, contexts.get("left").ports().open(0, 1)).reason();
        assertTrue(reason.contains("is absent"), reason);
    }

    @Test
    void dmaBuffersAreContiguousZeroedOwnedAndFreedWithTheirInstance() throws Exception {
        boot(null);
        long free = memory.stats().freeFrames();
        DmaAccess dma = contexts.get("left").dma();
        DmaBuffer b = assertInstanceOf(DmaAccess.Dma.Allocated.class, dma.allocate(0, 10_000)).buffer();
        assertEquals(16 << 10, b.length(), "a power-of-two block of frames");
        assertEquals(0, b.busAddress() % (16 << 10), "aligned to its size, as the buddy allocator gives it");
        assertEquals(free - 4, memory.stats().freeFrames());
        assertEquals(0, b.memory().get(ValueLayout.JAVA_LONG, 8000));
        b.memory().set(ValueLayout.JAVA_LONG, 8000, 42);
        assertEquals(42, memory.segment(b.busAddress(), b.length()).get(ValueLayout.JAVA_LONG, 8000), "the bus address is where the bytes are");
        java.nio.ByteBuffer bytes = b.bytes(); // what a driver bundle uses: no java.lang.foreign
        assertEquals(b.length(), bytes.remaining());
        assertEquals(42, bytes.getLong(8000), "the same bytes, little-endian as the device sees them");
        bytes.putInt(12, 0xCAFE);
        assertEquals(0xCAFE, memory.segment(b.busAddress(), b.length()).get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 12));

        DmaBuffer theirs = assertInstanceOf(DmaAccess.Dma.Allocated.class, contexts.get("right").dma().allocate(0, 4096)).buffer();
        assertFalse(dma.release(theirs), "a driver cannot release another driver's buffer");
        assertTrue(dma.release(b));
        assertThrows(IllegalStateException.class, () -> b.memory().get(ValueLayout.JAVA_LONG, 0), "a released buffer is out of reach");
        assertThrows(IllegalStateException.class, () -> bytes.getLong(0), "so is a view a driver kept");
        assertFalse(dma.release(b));
        assertInstanceOf(DmaAccess.Dma.Refused.class, dma.allocate(1, 4096));
        assertInstanceOf(DmaAccess.Dma.Refused.class, dma.allocate(0, 0));
        assertInstanceOf(DmaAccess.Dma.Refused.class, dma.allocate(0, 1L << 40));

        DmaBuffer held = assertInstanceOf(DmaAccess.Dma.Allocated.class, dma.allocate(0, 4096)).buffer();
        DriverInfo left = manager.list().stream().filter(d -> d.name().equals("left")).findFirst().orElseThrow();
        table.signal(left.pid(), Signal.KILL, "test: the instance dies holding a buffer");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (memory.stats().freeFrames() != free - 1 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(free - 1, memory.stats().freeFrames(), "only the right driver's frame is still held");
        assertThrows(IllegalStateException.class, () -> held.memory().get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aDriverOfNoDeviceIsRefusedEverything() {
        DriverContext none = DriverContext.noDevices("null");
        assertInstanceOf(InterruptAccess.Line.Refused.class, none.interrupts().line(0));
        assertInstanceOf(PortAccess.Ports.Refused.class, none.ports().open(0, 0));
        assertInstanceOf(DmaAccess.Dma.Refused.class, none.dma().allocate(0, 1));
        assertFalse(none.dma().release(null));
    }
}
