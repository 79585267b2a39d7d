package dev.kosh.hal;

import java.util.List;

/**
 * How device interrupts will reach the kernel on this host: every case is a working
 * delivery path, the last being the fallback when the host offers no interrupt
 * forwarding at all.
 */
public sealed interface InterruptSetup {

    /** VFIO is present: interrupts arrive on eventfds registered with {@code VFIO_DEVICE_SET_IRQS}. */
    record VfioEventfd(String container, String detail) implements InterruptSetup {}

    /** UIO devices exist: interrupts are counted by blocking reads on {@code /dev/uioN}. */
    record Uio(List<String> devices) implements InterruptSetup {
        public Uio {
            devices = List.copyOf(devices);
        }
    }

    /**
     * No interrupt forwarding: drivers poll their devices' status registers. {@code reasons}
     * says, for each mechanism tried, why it was not usable.
     */
    record Polled(List<String> reasons) implements InterruptSetup {
        public Polled {
            reasons = List.copyOf(reasons);
        }
    }
}
