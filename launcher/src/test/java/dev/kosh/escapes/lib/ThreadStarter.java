package dev.kosh.escapes.lib;

/**
 * A library bundle's class that starts a thread for its caller ({@code EscapeBundlesTest}): a
 * library a user deploys is woven like a program, so this class is refused when first loaded.
 */
public final class ThreadStarter {
    private ThreadStarter() {}

    public static void startWorker(Runnable r) {
        new Thread(r).start();
    }
}
