package dev.kosh.kernel.testing;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.kosh.api.Errno;
import dev.kosh.api.Program;
import dev.kosh.api.SysResult;
import dev.kosh.kernel.process.ProgramImage;
import dev.kosh.kernel.process.ProgramLoader;

/** A program loader over lambdas registered by the test. */
public final class Programs implements ProgramLoader {
    private final Map<String, ProgramImage> images = new ConcurrentHashMap<>();

    public TestImage add(String name, Set<String> declared, Program program) {
        TestImage image = new TestImage(name, declared, program);
        images.put(name, image);
        return image;
    }

    /** Registers any image (one that fails to instantiate, say). */
    public void add(ProgramImage image) {
        images.put(image.name(), image);
    }

    @Override
    public SysResult<ProgramImage> find(String name) {
        ProgramImage image = images.get(name);
        return image == null ? SysResult.err(Errno.NO_SUCH_PROGRAM, "no program " + name) : SysResult.ok(image);
    }
}
