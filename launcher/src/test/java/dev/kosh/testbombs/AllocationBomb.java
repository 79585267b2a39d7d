package dev.kosh.testbombs;

import java.util.ArrayList;
import java.util.List;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/** Allocates 64 KiB arrays as fast as it can and keeps every one: the heap only grows. */
public final class AllocationBomb implements Program {
    @Override
    public int main(ProcessContext ctx) {
        List<byte[]> hoard = new ArrayList<>();
        while (true) {
            hoard.add(new byte[1 << 16]);
        }
    }
}
