package dev.kosh.api;

/**
 * What a process (or {@code caps PID}) sees of one capability: its handle, the object it names
 * (type, kernel-wide id and a short description), its rights and badge, and the handle in the
 * same table it was derived from ({@code 0} if its parent is elsewhere or it is a root).
 */
public record CapabilityInfo(int handle, ObjectType type, long objectId, String object, Rights rights, long badge,
                             int derivedFrom, long capabilityId, long parentId) {
}
