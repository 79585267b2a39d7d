package dev.kosh.kernel.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.kosh.api.Errno;
import dev.kosh.api.ObjectType;
import dev.kosh.api.Right;
import dev.kosh.api.Rights;
import dev.kosh.api.SysResult;

/** Derive, delete, revoke, transfer and release on the capability space, and each of their errors. */
@Timeout(10)
class CapabilitySpaceTest {
    static final Rights ALL = Rights.of(Right.CALL, Right.RECEIVE, Right.GRANT);

    static final class Thing extends KernelObject {
        final List<String> events = new ArrayList<>();

        Thing() {
            super(ObjectType.ENDPOINT);
        }

        @Override
        protected void capabilityAdded(Capability c) {
            events.add("+" + c.rights());
        }

        @Override
        protected void capabilityRemoved(Capability c, EndReason r) {
            events.add("-" + r);
        }

        @Override
        protected void destroyed() {
            events.add("destroyed");
        }
    }

    final CapabilitySpace space = new CapabilitySpace();
    final CapabilityTable a = space.newTable(10, "pid 10 a", 16);
    final CapabilityTable b = space.newTable(11, "pid 11 b", 16);

    @SuppressWarnings("unchecked")
    static <T> T ok(SysResult<T> r) {
        assertInstanceOf(SysResult.Ok.class, r, String.valueOf(r));
        return ((SysResult.Ok<T>) r).value();
    }

    static Errno errno(SysResult<?> r) {
        return assertInstanceOf(SysResult.Err.class, r, String.valueOf(r)).errno();
    }

    @Test
    void handlesAreSmallNonZeroIntegers() {
        int h1 = ok(space.create(a, new Thing(), ALL, 0));
        int h2 = ok(space.create(a, new Thing(), ALL, 0));
        assertEquals(1, h1);
        assertEquals(2, h2);
    }

    @Test
    void deriveGivesFewerRightsAndABadgeAndNeverMore() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        int child = ok(space.derive(a, root, Rights.of(Right.CALL), 7));
        Capability c = a.lookup(child);
        assertEquals(Rights.of(Right.CALL), c.rights());
        assertEquals(7, c.badge());
        assertEquals(Errno.INVALID_ARGUMENT, errno(space.derive(a, child, Rights.of(Right.CALL, Right.GRANT), 0)), "rights never grow");
        assertEquals(Errno.INVALID_ARGUMENT, errno(space.derive(a, child, Rights.of(Right.CALL), 8)), "a badge is set once");
        int same = ok(space.derive(a, child, Rights.NONE, 0));
        assertEquals(7, a.lookup(same).badge(), "badge 0 keeps the parent's");
        assertEquals(Errno.INVALID_ARGUMENT, errno(space.derive(a, root, null, 0)));
    }

    @Test
    void lookupChecksTypeAndRights() {
        int h = ok(space.create(a, new Thing(), Rights.of(Right.CALL), 0));
        assertEquals(Errno.WRONG_TYPE, errno(a.resolve(h, ObjectType.CHANNEL, 0)));
        assertEquals(Errno.MISSING_RIGHT, errno(a.resolve(h, ObjectType.ENDPOINT, Right.RECEIVE)));
        assertEquals(Errno.INVALID_HANDLE, errno(a.resolve(0, null, 0)));
        assertEquals(Errno.INVALID_HANDLE, errno(a.resolve(-5, null, 0)));
        assertEquals(Errno.INVALID_HANDLE, errno(a.resolve(99, null, 0)));
        assertNull(a.fast(h, ObjectType.ENDPOINT, Right.RECEIVE.bit()));
        assertSame(a.lookup(h), a.fast(h, ObjectType.ENDPOINT, Right.CALL.bit()));
    }

    @Test
    void aDeletedHandleIsInvalidAndItsSlotsNextHandleDiffers() {
        int h = ok(space.create(a, new Thing(), ALL, 0));
        ok(space.delete(a, h));
        assertEquals(Errno.INVALID_HANDLE, errno(space.delete(a, h)));
        assertTrue(((SysResult.Err<?>) a.resolve(h, null, 0)).message().contains("deleted"));
        int again = ok(space.create(a, new Thing(), ALL, 0));
        assertNotEquals(h, again, "a stale handle never reaches the slot's next capability");
        assertNull(a.lookup(h));
    }

    @Test
    void revokeRemovesEveryDerivedCapabilityInEveryTableButKeepsTheOriginal() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        int child = ok(space.derive(a, root, ALL, 0));
        int inB = ok(space.grant(a.lookup(child), b, Rights.of(Right.CALL), 3));
        int grandchild = ok(space.derive(b, inB, Rights.of(Right.CALL), 0));
        Capability gc = b.lookup(grandchild);
        assertEquals(3, ok(space.revoke(a, root)));
        assertTrue(a.lookup(root).live());
        assertNull(a.lookup(child));
        assertNull(b.lookup(inB));
        assertFalse(gc.live());
        assertEquals(Errno.REVOKED, errno(b.resolve(grandchild, null, 0)));
        assertEquals(1, t.capabilityCount());
        assertEquals(0, ok(space.revoke(a, root)));
    }

    @Test
    void deletingAMiddleCapabilityKeepsItsChildrenUnderItsParent() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        int mid = ok(space.derive(a, root, ALL, 0));
        int leaf = ok(space.derive(a, mid, ALL, 0));
        ok(space.delete(a, mid));
        assertSame(a.lookup(root), space.parentOf(a.lookup(leaf)));
        assertEquals(1, ok(space.revoke(a, root)), "revoking the root still reaches the orphaned leaf");
        assertNull(a.lookup(leaf));
    }

    @Test
    void theLastCapabilityEndingDestroysTheObject() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        int child = ok(space.derive(a, root, ALL, 0));
        ok(space.delete(a, root));
        assertFalse(t.events.contains("destroyed"));
        ok(space.delete(a, child));
        assertEquals("destroyed", t.events.getLast());
    }

    @Test
    void moveTakesTheCapabilityAwayAndCopyLeavesAChild() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        Capability copy = ok(space.detach(a, root, false));
        int inB = ok(space.attach(b, copy));
        assertSame(a.lookup(root), space.parentOf(b.lookup(inB)));
        Capability moved = ok(space.detach(a, root, true));
        assertEquals(Errno.INVALID_HANDLE, errno(a.resolve(root, null, 0)));
        assertTrue(((SysResult.Err<?>) a.resolve(root, null, 0)).message().contains("moved"));
        int movedIn = ok(space.attach(b, moved));
        assertSame(moved, b.lookup(movedIn));
        assertSame(moved, space.parentOf(b.lookup(inB)), "a move keeps the capability's place in the tree");
    }

    @Test
    void onlyCapabilitiesWithGrantTravel() {
        int h = ok(space.create(a, new Thing(), Rights.of(Right.CALL), 0));
        assertEquals(Errno.MISSING_RIGHT, errno(space.detach(a, h, false)));
        assertEquals(Errno.MISSING_RIGHT, errno(space.detach(a, h, true)));
        assertTrue(a.lookup(h).live());
    }

    @Test
    void aCapabilityRevokedInTransitIsNotDelivered() {
        int root = ok(space.create(a, new Thing(), ALL, 0));
        Capability copy = ok(space.detach(a, root, false));
        space.revoke(a, root);
        assertEquals(Errno.REVOKED, errno(space.attach(b, copy)));
        assertEquals(0, b.size());
    }

    @Test
    void quotaIsEnforcedAndNothingLeaksWhenItIsReached() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        for (int i = 1; i < a.quota(); i++) ok(space.derive(a, root, ALL, 0));
        assertEquals(Errno.QUOTA_EXCEEDED, errno(space.derive(a, root, ALL, 0)));
        assertEquals(a.quota(), t.capabilityCount());
        Capability fromB = ok(space.detach(b, ok(space.create(b, new Thing(), ALL, 0)), false));
        assertEquals(Errno.QUOTA_EXCEEDED, errno(space.attach(a, fromB)));
        assertFalse(fromB.live(), "an undeliverable capability is deleted, not left dangling");
    }

    @Test
    void releaseEndsEveryCapabilityOfAnExitedProcessAndRefusesNewOnes() {
        Thing t = new Thing();
        int root = ok(space.create(a, t, ALL, 0));
        int inB = ok(space.grant(a.lookup(root), b, ALL, 0));
        assertEquals(1, space.release(b));
        assertNull(b.lookup(inB));
        assertEquals(Errno.CLOSED, errno(space.grant(a.lookup(root), b, ALL, 0)));
        assertEquals(Errno.CLOSED, errno(space.create(b, new Thing(), ALL, 0)));
        space.forget(b);
        assertTrue(space.table(11).isEmpty());
    }

    @Test
    void destroyingAnObjectEndsItsCapabilitiesWithDeadPeer() {
        Thing t = new Thing();
        int h = ok(space.create(a, t, ALL, 0));
        space.destroy(t, EndReason.OBJECT_DESTROYED);
        assertEquals(Errno.DEAD_PEER, errno(a.resolve(h, null, 0)));
        assertEquals("destroyed", t.events.getLast());
    }

    @Test
    void listShowsHandleRightsBadgeAndDerivedFrom() {
        int root = ok(space.create(a, new Thing(), ALL, 0));
        int child = ok(space.derive(a, root, Rights.of(Right.CALL), 42));
        var list = space.list(a);
        assertEquals(2, list.size());
        assertEquals(root, list.get(0).handle());
        assertEquals(0, list.get(0).derivedFrom());
        assertEquals(child, list.get(1).handle());
        assertEquals(root, list.get(1).derivedFrom());
        assertEquals(42, list.get(1).badge());
        assertEquals("---c-----", list.get(1).rights().toString());
        assertEquals(ObjectType.ENDPOINT, ok(space.identify(a, child)).type());
    }

    @Test
    void replyCapabilitiesCannotBeDerivedOrTransferred() {
        KernelObject reply = new KernelObject(ObjectType.REPLY) { };
        int h = ok(space.mint(a, reply, Rights.ALL));
        assertEquals(Errno.INVALID_ARGUMENT, errno(space.derive(a, h, Rights.NONE, 0)));
        assertEquals(Errno.INVALID_ARGUMENT, errno(space.detach(a, h, false)));
    }

    @Test
    void reissuingAHandleEndsTheOldOneAndRetiringRemembersWhy() {
        Thing t = new Thing();
        int h1 = ok(space.create(a, t, ALL, 0));
        Capability c = a.lookup(h1);
        int h2 = space.reissue(c);
        assertNotEquals(h1, h2);
        assertEquals(h2, c.handle());
        assertNull(a.lookup(h1));
        assertEquals(c, a.lookup(h2));
        assertEquals(Errno.INVALID_HANDLE, errno(a.resolve(h1, null, 0)));
        int h3 = space.retire(c, EndReason.OBJECT_DESTROYED);
        assertEquals(Errno.DEAD_PEER, errno(a.resolve(h2, null, 0)), "a retired handle answers its reason");
        assertEquals(c, a.lookup(h3));
        ok(space.delete(a, h3));
        assertEquals(0, space.reissue(c), "an ended capability is not re-issued");
        assertEquals(0, space.retire(c, EndReason.OBJECT_DESTROYED));
        int h4 = ok(space.create(a, new Thing(), ALL, 0));
        for (int old : new int[] {h1, h2, h3}) assertNotEquals(old, h4, "the slot's next capability gets a handle never issued before");
    }
}
