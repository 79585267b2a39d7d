package dev.kosh.hal.arm64;

import dev.kosh.hal.HalResult;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.linux.LinuxPlatform;
import dev.kosh.hal.spi.HostRoot;
import dev.kosh.hal.spi.PlatformProvider;

/** The provider for Linux on arm64, registered in {@code META-INF/services}. */
public final class Arm64PlatformProvider implements PlatformProvider {

    @Override
    public String name() {
        return "linux-aarch64";
    }

    /** The JDK reports arm64 as "aarch64" on Linux; "arm64" is accepted too. */
    @Override
    public boolean supports(String osName, String osArch) {
        return osName.startsWith("Linux") && (osArch.equals("aarch64") || osArch.equals("arm64"));
    }

    @Override
    public HalResult<PlatformInterface> open(HostRoot root) {
        return LinuxPlatform.open(root, new Arm64Hooks());
    }
}
