package dev.kosh.testbombs;

import dev.kosh.api.ProcessContext;
import dev.kosh.api.Program;

/** Overflows its stack, catches the error and does it again, forever. */
public final class StackOverflowLoop implements Program {
    private int depth;

    @Override
    public int main(ProcessContext ctx) {
        while (true) {
            try {
                descend();
            } catch (StackOverflowError e) {
                depth = 0;
            }
        }
    }

    private void descend() {
        depth++;
        descend();
    }
}
