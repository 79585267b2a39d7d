package dev.kosh.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

import dev.kosh.driver.api.DeviceResources;
import dev.kosh.driver.api.MmioWindow;
import dev.kosh.driver.api.PortRange;
import dev.kosh.hal.PciBar;
import dev.kosh.hal.PciDevice;
import dev.kosh.hal.PlatformDevice;

/** A device the HAL enumerated, as the driver manager matches and describes it. */
public sealed interface Device {

    /** Where it is: the PCI address, or {@code platform:NAME}. Unique within one scan. */
    String address();

    /** Its ids in match-rule spelling ({@code pci:1234:11e8:00:ff}, {@code platform:NAME}). */
    String ids();

    /** Its class, for {@code lsdev} (the PCI class code, or the first compatible string). */
    String deviceClass();

    /** Its resources, as a driver bound to it receives them. */
    DeviceResources resources();

    record Pci(PciDevice hal) implements Device {
        public Pci {
            Objects.requireNonNull(hal, "hal");
        }

        public String address() {
            return hal.address().toString();
        }

        public String ids() {
            return String.format("pci:%04x:%04x:%02x:%02x", hal.vendorId(), hal.deviceId(), hal.baseClass(), hal.subclass());
        }

        public String deviceClass() {
            return String.format("%06x", hal.classCode());
        }

        /** Memory BARs become MMIO windows, I/O BARs port ranges; the expansion ROM is not granted. */
        public DeviceResources resources() {
            List<MmioWindow> mmio = new ArrayList<>();
            List<PortRange> ports = new ArrayList<>();
            for (PciBar bar : hal.bars()) {
                if (bar.index() >= PciBar.ROM_INDEX) continue;
                if (bar.isIo()) ports.add(new PortRange(bar.index(), bar.start(), bar.length()));
                else if (bar.isMemory()) mmio.add(new MmioWindow(bar.index(), bar.start(), bar.length(), bar.isPrefetchable()));
            }
            return new DeviceResources(address(), ids(), mmio, ports, hal.irq());
        }
    }

    record Platform(PlatformDevice hal) implements Device {
        public Platform {
            Objects.requireNonNull(hal, "hal");
        }

        public String address() {
            return "platform:" + hal.name();
        }

        public String ids() {
            return "platform:" + hal.name();
        }

        public String deviceClass() {
            return hal.compatible().isEmpty() ? "-" : hal.compatible().getFirst();
        }

        /** Each {@code reg} entry is an MMIO window, indexed by its position; no IRQ is known yet. */
        public DeviceResources resources() {
            List<MmioWindow> mmio = new ArrayList<>();
            List<PlatformDevice.Register> regs = hal.registers();
            for (int i = 0; i < regs.size(); i++) {
                if (regs.get(i).length() > 0) mmio.add(new MmioWindow(i, regs.get(i).start(), regs.get(i).length(), false));
            }
            return new DeviceResources(address(), ids(), mmio, List.of(), OptionalInt.empty());
        }
    }
}
