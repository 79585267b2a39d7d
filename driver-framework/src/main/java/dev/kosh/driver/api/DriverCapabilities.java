package dev.kosh.driver.api;

import java.util.Set;

/** What a driver offers: its device class (block, char, net, ...) and the operations it serves. */
public record DriverCapabilities(String deviceClass, Set<String> operations) {
    public DriverCapabilities {
        operations = Set.copyOf(operations);
    }
}
