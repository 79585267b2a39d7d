package dev.kosh.hal;

import java.util.List;

/**
 * The result of enumerating a bus: the devices that parsed, and a typed error for each
 * one that did not. One malformed device never hides the others.
 */
public record DeviceScan<D>(List<D> devices, List<HalError> rejected) {

    public DeviceScan {
        devices = List.copyOf(devices);
        rejected = List.copyOf(rejected);
    }

    public static <D> DeviceScan<D> empty() {
        return new DeviceScan<>(List.of(), List.of());
    }
}
