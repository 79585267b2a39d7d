package dev.kosh.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kosh.driver.api.DeviceResources;
import dev.kosh.driver.api.DmaAccess;
import dev.kosh.driver.api.DmaBuffer;
import dev.kosh.driver.api.InterruptAccess;
import dev.kosh.driver.api.PortAccess;
import dev.kosh.driver.api.PortRange;
import dev.kosh.driver.api.PortWindow;
import dev.kosh.memory.AllocResult;
import dev.kosh.memory.FreeResult;
import dev.kosh.memory.PhysicalMemory;

/**
 * A driver's interrupt lines, I/O ports and DMA buffers — of the devices bound to it and no
 * other, each named by the device's position in its context. Made by the manager when it starts
 * the driver; what an instance opened or allocated is given back when the instance ends
 * ({@link #endInstance}): its DMA buffers' memory becomes inaccessible and is freed, its port
 * files are closed. Each buffer's segment belongs to an arena of its own, closed before its frames
 * are freed (on release, or when the instance ends), so neither a driver holding a released
 * buffer nor a killed instance still unwinding can touch frames handed to someone else.
 *
 * <p>Threading: the access methods are called by the driver's thread, {@link #endInstance} by the
 * exit hook; all are synchronized.
 */
final class HardwareGrants implements InterruptAccess, PortAccess, DmaAccess {
    private final String driver;
    private final List<DeviceResources> devices;
    private final InterruptLines lines;
    /** The host's port device ({@code /dev/port}); null or absent: no port I/O on this host. */
    private final Path portDevice;
    /** Where DMA buffers come from; null: no DMA memory (the kernel runs without the memory module). */
    private final PhysicalMemory memory;
    /** Bus address → the live instance's buffer there. Guarded by this. */
    private final Map<Long, Held> buffers = new HashMap<>();
    private final List<FileChannel> channels = new ArrayList<>(); // guarded by this

    /** A buffer's block, and the arena its segment belongs to: closing it cuts the driver off. */
    private record Held(int order, Arena arena) {}

    HardwareGrants(String driver, List<DeviceResources> devices, InterruptLines lines, Path portDevice, PhysicalMemory memory) {
        this.driver = driver;
        this.devices = List.copyOf(devices);
        this.lines = lines;
        this.portDevice = portDevice;
        this.memory = memory;
        // The lines exist from the grant on, so an interrupt raised before the driver first waits is kept.
        for (DeviceResources d : this.devices) d.irq().ifPresent(n -> lines.line(d.device(), n));
    }

    private String noDevice(int device) {
        return "driver " + driver + " has no device " + device + " (it was bound to " + devices.size() + ")";
    }

    @Override
    public Line line(int device) {
        if (device < 0 || device >= devices.size()) return new Line.Refused(noDevice(device));
        DeviceResources d = devices.get(device);
        if (d.irq().isEmpty()) return new Line.Refused("device " + d.device() + " has no interrupt line");
        return new Line.Granted(lines.line(d.device(), d.irq().getAsInt()));
    }

    @Override
    public synchronized Ports open(int device, int index) {
        if (device < 0 || device >= devices.size()) return new Ports.Refused(noDevice(device));
        DeviceResources d = devices.get(device);
        PortRange range = d.ioPorts().stream().filter(r -> r.index() == index).findFirst().orElse(null);
        if (range == null) return new Ports.Refused("device " + d.device() + " has no I/O-port range " + index);
        if (portDevice == null || !Files.exists(portDevice)) {
            return new Ports.Refused("this host offers no port I/O (" + (portDevice == null ? "no port device configured" : portDevice + " is absent") + ")");
        }
        try {
            FileChannel ch = FileChannel.open(portDevice, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channels.add(ch);
            return new Ports.Granted(new Window(range, ch));
        } catch (IOException | SecurityException e) {
            return new Ports.Refused("cannot open " + portDevice + ": " + e.getMessage());
        }
    }

    /** A port range through the port device: the file offset is the port number. */
    private record Window(PortRange range, FileChannel channel) implements PortWindow {
        private ByteBuffer check(long offset, int width) {
            if (width != 1 && width != 2 && width != 4) throw new IllegalArgumentException("port access width " + width + " (1, 2 or 4)");
            if (offset < 0 || offset + width > range.length()) {
                throw new IndexOutOfBoundsException("port offset " + offset + "+" + width + " outside range " + range.index()
                        + " (" + range.length() + " ports)");
            }
            return ByteBuffer.allocate(width).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public long read(long offset, int width) {
            ByteBuffer b = check(offset, width);
            try {
                while (b.hasRemaining()) {
                    if (channel.read(b, range.start() + offset + b.position()) < 0) throw new IOException("end of port device");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("port " + Long.toHexString(range.start() + offset), e);
            }
            b.flip();
            return switch (width) {
                case 1 -> b.get() & 0xffL;
                case 2 -> b.getShort() & 0xffffL;
                default -> b.getInt() & 0xffff_ffffL;
            };
        }

        @Override
        public void write(long offset, int width, long value) {
            ByteBuffer b = check(offset, width);
            switch (width) {
                case 1 -> b.put((byte) value);
                case 2 -> b.putShort((short) value);
                default -> b.putInt((int) value);
            }
            b.flip();
            try {
                while (b.hasRemaining()) channel.write(b, range.start() + offset + b.position());
            } catch (IOException e) {
                throw new UncheckedIOException("port " + Long.toHexString(range.start() + offset), e);
            }
        }
    }

    @Override
    public synchronized Dma allocate(int device, long bytes) {
        if (device < 0 || device >= devices.size()) return new Dma.Refused(noDevice(device));
        if (memory == null) return new Dma.Refused("no DMA memory: the kernel runs without physical memory");
        if (bytes <= 0 || bytes > PhysicalMemory.FRAME_SIZE << memory.maxOrder()) {
            return new Dma.Refused("a DMA buffer is 1.." + (PhysicalMemory.FRAME_SIZE << memory.maxOrder()) + " bytes, not " + bytes);
        }
        int order = 0;
        while (PhysicalMemory.FRAME_SIZE << order < bytes) order++;
        return switch (memory.allocate(order)) {
            case AllocResult.Allocated a -> {
                Arena arena = Arena.ofShared();
                MemorySegment view = memory.segment(a.physicalAddress(), a.bytes()).reinterpret(arena, null);
                view.fill((byte) 0); // frames come back as their last owner left them
                buffers.put(a.physicalAddress(), new Held(order, arena));
                yield new Dma.Allocated(new DmaBuffer(device, a.physicalAddress(), view));
            }
            case AllocResult.OutOfMemory oom -> new Dma.Refused("no " + (PhysicalMemory.FRAME_SIZE << order)
                    + "-byte contiguous block free (largest free order " + oom.largestFreeOrder() + ")");
            case AllocResult.InvalidOrder bad -> new Dma.Refused("order " + bad.order() + " past " + bad.maxOrder());
        };
    }

    @Override
    public synchronized boolean release(DmaBuffer buffer) {
        Held held = buffer == null ? null : buffers.get(buffer.busAddress());
        if (held == null || buffer.memory().scope() != held.arena().scope()) return false; // not this driver's
        buffers.remove(buffer.busAddress());
        return free(buffer.busAddress(), held);
    }

    private boolean free(long address, Held held) {
        try {
            held.arena().close(); // every view of the buffer is dead before its frames can be reused
        } catch (IllegalStateException inUse) {
            // A native call (an io_uring submission, say) still holds the segment: the frames are
            // kept rather than handed to someone else while the call may write them.
            return false;
        }
        return memory.free(address, held.order()) instanceof FreeResult.Freed;
    }


    /**
     * The instance ended: its buffers' memory is made inaccessible and freed, its port files
     * closed. The number of buffers whose frames had to be kept (a native call still held them).
     */
    synchronized int endInstance() {
        int kept = 0;
        for (Map.Entry<Long, Held> b : buffers.entrySet()) if (!free(b.getKey(), b.getValue())) kept++;
        buffers.clear();
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                // a port file that fails to close holds nothing the next instance needs
            }
        }
        channels.clear();
        return kept;
    }

}
