package dev.kosh.hal.x86_64;

import dev.kosh.hal.HalResult;
import dev.kosh.hal.PlatformInterface;
import dev.kosh.hal.linux.LinuxPlatform;
import dev.kosh.hal.spi.HostRoot;
import dev.kosh.hal.spi.PlatformProvider;

/** The provider for Linux on x86-64, registered in {@code META-INF/services}. */
public final class X86_64PlatformProvider implements PlatformProvider {

    @Override
    public String name() {
        return "linux-x86_64";
    }

    /** The JDK reports x86-64 as "amd64" on Linux; "x86_64" is accepted too. */
    @Override
    public boolean supports(String osName, String osArch) {
        return osName.startsWith("Linux") && (osArch.equals("amd64") || osArch.equals("x86_64"));
    }

    @Override
    public HalResult<PlatformInterface> open(HostRoot root) {
        return LinuxPlatform.open(root, new X86_64Hooks());
    }
}
