package dev.kosh.hal.linux;

import dev.kosh.hal.Availability;
import dev.kosh.hal.HalError;
import dev.kosh.hal.HalResult;
import dev.kosh.hal.InterruptSetup;
import dev.kosh.hal.Mechanism;
import dev.kosh.hal.PlatformCapabilities;
import dev.kosh.hal.spi.HostRoot;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses how device interrupts reach Kosh: VFIO (the kernel signals an eventfd per
 * vector), else UIO (a blocking read on {@code /dev/uioN} returns the interrupt count),
 * else polling. Preference follows isolation: VFIO puts the device behind the IOMMU.
 */
public final class InterruptProbe {

    private InterruptProbe() {}

    public static InterruptSetup setup(HostRoot root, PlatformCapabilities caps) {
        List<String> reasons = new ArrayList<>();
        switch (caps.of(Mechanism.VFIO)) {
            case Availability.Present(String detail) -> {
                String eventfd = eventfdWorks(root);
                if (eventfd.isEmpty()) {
                    return new InterruptSetup.VfioEventfd("/dev/vfio/vfio", detail);
                }
                reasons.add("vfio: present, but " + eventfd);
            }
            case Availability.Absent(String reason) -> reasons.add("vfio: " + reason);
        }
        switch (caps.of(Mechanism.UIO)) {
            case Availability.Present(String detail) -> {
                return new InterruptSetup.Uio(List.of(detail.split(", ")).stream().map(n -> "/dev/" + n).toList());
            }
            case Availability.Absent(String reason) -> reasons.add("uio: " + reason);
        }
        return new InterruptSetup.Polled(reasons);
    }

    /** Empty when an eventfd can be created (always checked on the live host only), else why not. */
    private static String eventfdWorks(HostRoot root) {
        if (!root.isLive()) {
            return "";
        }
        return switch (EventFd.create()) {
            case HalResult.Ok<EventFd>(EventFd fd) -> {
                fd.close();
                yield "";
            }
            case HalResult.Err<EventFd>(HalError e) -> e.message();
        };
    }
}
