package dev.kosh.memory;

/**
 * Counters of a {@link VirtualMemory} since it was created, and its swap occupancy.
 *
 * @param minorFaults         demand-zero faults
 * @param majorFaults         faults that read a page back from swap
 * @param copyOnWriteFaults   writes to shared pages resolved by a copy (or by taking the last share)
 * @param signals             accesses that ended in a signal
 * @param swapOuts            pages written to (or left in, for a clean cached page) swap and unmapped
 * @param swapIns             pages read back from swap
 * @param swapCacheHits       evictions of clean pages whose swap slot still held their content (no write)
 * @param compactions         contiguous requests satisfied by compaction
 * @param migratedFrames      frames compaction moved
 * @param swapSlots           slots of the swap device (0 without swap)
 * @param swapSlotsUsed       slots holding a page
 * @param outOfMemoryKills    spaces the out-of-memory policy took back (their processes killed)
 * @param backgroundReclaims  pages the pressure monitor swapped out ahead of need
 */
public record VmStats(long minorFaults, long majorFaults, long copyOnWriteFaults, long signals,
                      long swapOuts, long swapIns, long swapCacheHits, long compactions, long migratedFrames,
                      long swapSlots, long swapSlotsUsed, long outOfMemoryKills,
                      long backgroundReclaims) {}
