package dev.kosh.driver;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.kosh.driver.api.DeviceResources;
import dev.kosh.driver.api.DriverContext;
import dev.kosh.driver.api.MmioAccess;
import dev.kosh.hal.DeviceScan;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.MmioRegion;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformDevice;
import dev.kosh.hal.PlatformInterface;

/**
 * The devices the HAL enumerated, the drivers that declared what they drive, and which device is
 * bound to which driver. Bindings are recomputed ({@link DriverMatcher}) whenever either side
 * changes: a scan, a driver registered (deploy) or unregistered (removal).
 *
 * <p>A driver's view of the hardware is {@link #context}: the resources of its own devices and an
 * {@link MmioAccess} that maps only those, by index.
 *
 * <p>Thread-safe: every method holds the registry's monitor, which guards all fields; the
 * registry calls nothing outside itself while holding it except the pure matcher and, in
 * {@link #scan(PlatformInterface)}, the platform's enumeration.
 */
public final class DeviceRegistry {
    private final Map<String, DriverDescriptor> drivers = new TreeMap<>();
    private final Map<String, Device> devices = new TreeMap<>();
    private final Map<String, DriverMatcher.Choice> bindings = new LinkedHashMap<>();
    private final List<String> rejected = new ArrayList<>();
    private PlatformInterface platform;

    /** Registers (or replaces, on update) a driver's descriptor; returns the devices now bound to it. */
    public synchronized List<String> register(DriverDescriptor driver) {
        drivers.put(driver.name(), driver);
        rebind();
        return boundTo(driver.name());
    }

    /** Forgets a driver; its devices are rebound to the next best driver, or become unmatched. */
    public synchronized void unregister(String driver) {
        if (drivers.remove(driver) != null) rebind();
    }

    public synchronized Optional<DriverDescriptor> descriptor(String driver) {
        return Optional.ofNullable(drivers.get(driver));
    }

    public synchronized Collection<DriverDescriptor> descriptors() {
        return List.copyOf(drivers.values());
    }

    /** Enumerates the platform's PCI and platform devices and binds them; MMIO is mapped through it. */
    public synchronized ScanReport scan(PlatformInterface platform) {
        DeviceScan<PciDevice> pci = platform.scanPciDevices();
        DeviceScan<PlatformDevice> plat = platform.scanPlatformDevices();
        List<String> bad = new ArrayList<>();
        pci.rejected().stream().map(HalError::message).forEach(bad::add);
        plat.rejected().stream().map(HalError::message).forEach(bad::add);
        this.platform = platform;
        return replaceDevices(pci.devices(), plat.devices(), bad);
    }

    /**
     * Binds devices given as lists (tests, or a launcher that scanned already). No platform is
     * kept, so MMIO mapping is refused with that reason.
     */
    public synchronized ScanReport scan(List<PciDevice> pci, List<PlatformDevice> platformDevices) {
        this.platform = null;
        return replaceDevices(pci, platformDevices, List.of());
    }

    private ScanReport replaceDevices(List<PciDevice> pci, List<PlatformDevice> plat, List<String> bad) {
        devices.clear();
        rejected.clear();
        rejected.addAll(bad);
        for (PciDevice d : pci) add(new Device.Pci(d));
        for (PlatformDevice d : plat) add(new Device.Platform(d));
        rebind();
        List<String> unmatched = new ArrayList<>();
        List<String> ties = new ArrayList<>();
        int bound = 0;
        for (var e : bindings.entrySet()) {
            switch (e.getValue()) {
                case DriverMatcher.Choice.Unmatched u -> unmatched.add(e.getKey() + " " + devices.get(e.getKey()).ids());
                case DriverMatcher.Choice.Bound b -> {
                    bound++;
                    if (!b.tiedWith().isEmpty()) {
                        ties.add(e.getKey() + ": " + b.chosen().driver() + " and " + String.join(", ", b.tiedWith())
                                + " match equally (" + b.chosen().specificity() + "); " + b.chosen().driver() + " chosen by name");
                    }
                }
            }
        }
        return new ScanReport(devices.size(), bound, unmatched, rejected, ties);
    }

    /** Two devices with one address (a platform name seen twice): the second is kept under a suffix. */
    private void add(Device d) {
        String key = d.address();
        for (int n = 2; devices.containsKey(key); n++) key = d.address() + "#" + n;
        devices.put(key, d);
    }

    private void rebind() {
        bindings.clear();
        for (var e : devices.entrySet()) bindings.put(e.getKey(), DriverMatcher.choose(e.getValue(), drivers.values()));
    }

    /** The {@code lsdev} rows, by address. */
    public synchronized List<DeviceInfo> lsdev() {
        List<DeviceInfo> out = new ArrayList<>();
        for (var e : devices.entrySet()) {
            Device d = e.getValue();
            Optional<String> host = switch (d) {
                case Device.Pci p -> p.hal().driver();
                case Device.Platform p -> p.hal().driver();
            };
            out.add(switch (bindings.get(e.getKey())) {
                case DriverMatcher.Choice.Unmatched u ->
                        new DeviceInfo(e.getKey(), d.ids(), d.deviceClass(), DeviceInfo.UNMATCHED, "-", List.of(), d.resources(), host);
                case DriverMatcher.Choice.Bound b -> new DeviceInfo(e.getKey(), d.ids(), d.deviceClass(), b.chosen().driver(),
                        b.chosen().rule().toString(), b.tiedWith(), d.resources(), host);
            });
        }
        return out;
    }

    /** The devices the HAL reported but could not parse, each with its error. */
    public synchronized List<String> rejected() {
        return List.copyOf(rejected);
    }

    /** The addresses of the devices bound to {@code driver}, in address order. */
    public synchronized List<String> boundTo(String driver) {
        return bindings.entrySet().stream()
                .filter(e -> e.getValue() instanceof DriverMatcher.Choice.Bound b && b.chosen().driver().equals(driver))
                .map(Map.Entry::getKey).toList();
    }

    /** The drivers that have at least one device, by name: the ones worth starting at boot. */
    public synchronized SortedSet<String> matchedDrivers() {
        SortedSet<String> out = new TreeSet<>();
        for (var c : bindings.values()) if (c instanceof DriverMatcher.Choice.Bound b) out.add(b.chosen().driver());
        return out;
    }

    /**
     * What a new instance of {@code driver} is given: its devices' resources (and no other
     * device's), in address order, and an {@link MmioAccess} that maps only those. A snapshot:
     * a later rescan does not change a running instance's devices.
     */
    public synchronized DriverContext context(String driver) {
        List<Device> mine = boundTo(driver).stream().map(devices::get).toList();
        if (mine.isEmpty()) return DriverContext.noDevices(driver);
        return new DriverContext(driver, mine.stream().map(Device::resources).toList(), new Grants(driver, mine, platform));
    }

    /**
     * The MMIO capability of one driver instance: the devices are fixed when it is made, and a
     * request names a device by position and a window by index, so there is no argument through
     * which another device's registers could be named.
     */
    private record Grants(String driver, List<Device> devices, PlatformInterface platform) implements MmioAccess {
        @Override
        public Mapping map(int device, int window, Arena arena) {
            if (device < 0 || device >= devices.size()) {
                return new Mapping.Refused("driver " + driver + " has " + devices.size() + " device(s); there is no device " + device);
            }
            Device d = devices.get(device);
            DeviceResources res = d.resources();
            if (res.window(window).isEmpty()) {
                return new Mapping.Refused(d.address() + " has no MMIO window " + window + " (it has "
                        + res.mmio().stream().map(w -> Integer.toString(w.index())).toList() + ")");
            }
            if (arena == null) return new Mapping.Refused("an arena is required");
            if (platform == null) return new Mapping.Refused("devices were given as lists, not scanned from a platform: nothing to map through");
            return switch (d) {
                case Device.Platform p -> new Mapping.Refused("the HAL maps PCI BARs only; " + d.address() + " is a platform device");
                case Device.Pci p -> switch (platform.mapMmio(p.hal().address(), window, arena)) {
                    case HalResult.Ok<MmioRegion>(MmioRegion r) -> new Mapping.Mapped(r.segment(), r.via());
                    case HalResult.Err<MmioRegion>(HalError e) -> new Mapping.Refused(e.message());
                };
            };
        }
    }
}
