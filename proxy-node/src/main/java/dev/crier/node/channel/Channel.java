package dev.crier.node.channel;

import dev.crier.node.ClusterMessage;
import dev.crier.node.topic.HistoryStoreSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One channel: a buffer from a producer to one reader, opened only by its two addresses. A write is
 * stored before it is answered; while {@code buffer} messages wait for a reader, later writes wait
 * (in order, up to the write timeout) for room. The reader asks for what follows its last id and is
 * answered at once, or when the next message is written, or with nothing after a heartbeat's time.
 * Messages handed to the reader are kept until it resumes past them (or {@code resend-window} more
 * have been handed), so that a reader whose connection drops gets them again. A channel not read
 * for its ttl is closed: its messages are deleted and its addresses open nothing.
 *
 * <p>It is event-sourced in the topics' journal and runs as a Cluster Sharding entity, so producer
 * and reader may use any nodes and, with the journal, a channel survives the crash of the node it
 * ran on. In memory mode it hands its state to its next incarnation when sharding moves it (a
 * drain, a rebalance), as topic owners do; a crash loses it.
 */
public final class Channel
    extends EventSourcedBehavior<Channel.Command, Channel.Stored, ChannelState> {

  /** What a channel understands; sent from any node. */
  public sealed interface Command extends ClusterMessage {}

  /** Opens the channel with its addresses' digests (sent once, to a fresh id). */
  public record Create(String producerDigest, String consumerDigest, ActorRef<Created> replyTo)
      implements Command {}

  /** Whether {@link Create} opened a channel (false: the id was taken). */
  public record Created(boolean created) implements ClusterMessage {}

  /**
   * Writes one message, answered once it is stored (or refused).
   *
   * @param idempotencyKey null, or a key that makes a repeat of a held message a no-op answered
   *     with its id
   */
  public record Write(
      ChannelAddress producer,
      String streamId,
      String body,
      String idempotencyKey,
      ActorRef<WriteOutcome> replyTo)
      implements Command {}

  /** What became of a {@link Write}. */
  public enum WriteStatus {
    WRITTEN,
    /** The buffer stayed full for the write timeout (or too many writes wait already). */
    FULL,
    /** No open channel has this producer address. */
    UNKNOWN,
    /** The channel is moving to another node: nothing was stored, write again. */
    MOVING
  }

  /**
   * @param seq the stored message's id when {@code WRITTEN}
   */
  public record WriteOutcome(WriteStatus status, long seq) implements ClusterMessage {}

  /**
   * The reader asks for the messages after {@code after}.
   *
   * @param readerId the reading connection's id: a resume by another takes the channel over
   * @param after the last id the reader has; -1 for none
   * @param resume true for a connection's first read (its {@code Last-Event-ID}): everything up to
   *     {@code after} counts as consumed
   */
  public record Read(
      ChannelAddress consumer,
      long readerId,
      long after,
      boolean resume,
      ActorRef<ReadOutcome> replyTo)
      implements Command {}

  /** What a {@link Read} gets. */
  public enum ReadStatus {
    /** The next messages, or none after a heartbeat's time. */
    MESSAGES,
    /** The channel was closed while the reader waited ({@code closedBy} says why). */
    CLOSED,
    /** Another connection has resumed the channel: this reader is done. */
    REPLACED,
    /** No open channel has this consumer address. */
    UNKNOWN,
    /** The resume position is beyond anything written. */
    INVALID_CURSOR
  }

  /**
   * @param continuesAfter for a connection's first read, the id the channel goes on after: beyond
   *     the reader's {@code Last-Event-ID} when messages after that were let go; else -1
   */
  public record ReadOutcome(
      ReadStatus status, List<ChannelMessage> messages, String closedBy, long continuesAfter)
      implements ClusterMessage {

    static ReadOutcome of(ReadStatus status) {
      return new ReadOutcome(status, List.of(), null, -1);
    }
  }

  /** The reading connection ended. */
  public record Leave(ChannelAddress consumer, long readerId) implements Command {}

  /** Closes the channel now (its producer's {@code DELETE}). */
  public record Delete(ChannelAddress producer, ActorRef<Deleted> replyTo) implements Command {}

  /** Whether {@link Delete} closed a channel. */
  public record Deleted(boolean deleted) implements ClusterMessage {}

  /**
   * Sharding stops the channel (a move, a passivation): in memory mode it hands its state to its
   * next incarnation (through the topics' hand-off store) and wakes it; with a journal it just
   * stops.
   */
  public record HandOff() implements Command {}

  /** Starts a channel that is not running, so that it claims a hand-off at once. */
  public record Wake() implements Command {}

  private record WriteExpired(long waiterId) implements Command {}

  private record HoldExpired(long holdId) implements Command {}

  /** Hands waiting writes the room a read made, and lets go of what the resend window dropped. */
  private enum Settle implements Command {
    INSTANCE
  }

  private enum TtlCheck implements Command {
    INSTANCE
  }

  /** What a channel stores: replaying these in order rebuilds its {@link ChannelState}. */
  public sealed interface Stored {}

  public record Opened(String producerDigest, String consumerDigest) implements Stored {}

  public record Written(ChannelMessage message, String idempotencyKey) implements Stored {}

  /**
   * Everything up to {@code upTo} is consumed: the reader resumed past it, or it left the window.
   */
  public record Released(long upTo) implements Stored {}

  /**
   * @param reason "expired" or "deleted"
   */
  public record Closed(String reason) implements Stored {}

  /** The channel left this incarnation in memory mode: its state is in the snapshot taken now. */
  public record HandingOff() implements Stored {}

  /** How a channel reaches its shard and its next incarnation. */
  public interface Moves {
    /** Asks the shard to stop it, so that messages on their way are not lost. */
    void passivate(ActorRef<Command> channel);

    /** Whether another node is up to run it when it moves. */
    boolean successorUp();

    /** Starts its next incarnation, wherever sharding puts it. */
    void wake(String channelId);
  }

  private static final int MAX_BATCH = 256;
  private static final long MAX_BATCH_BYTES = 1 << 20;
  private static final String HOLD = "hold";
  private static final String TTL = "ttl";

  private record Waiter(long id, Write write) {}

  private record Held(long readerId, long holdId, long after, ActorRef<ReadOutcome> replyTo) {}

  public static Behavior<Command> create(
      String channelId,
      ChannelSettings settings,
      ChannelCounters counters,
      Clock clock,
      Moves moves) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new Channel(context, timers, channelId, settings, counters, clock, moves)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ChannelSettings settings;
  private final ChannelCounters counters;
  private final Clock clock;
  private final String channelId;
  private final Moves moves;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  /** The newest id handed to a reader (not stored: after a move, its reader says). */
  private long sent;

  private Long reader;
  private Held held;
  private long lastReadMillis;
  private long ids;
  private boolean counted;
  private long countedBuffered;
  private int countedWaiting;

  private Channel(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String channelId,
      ChannelSettings settings,
      ChannelCounters counters,
      Clock clock,
      Moves moves) {
    super(PersistenceId.of("channel", channelId), HistoryStoreSettings.RESTART_ON_FAILURE);
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.counters = counters;
    this.clock = clock;
    this.channelId = channelId;
    this.moves = moves;
  }

  @Override
  public ChannelState emptyState() {
    return new ChannelState();
  }

  @Override
  public String journalPluginId() {
    return settings.store().journalPluginId();
  }

  @Override
  public String snapshotPluginId() {
    return settings.store().snapshotPluginId();
  }

  @Override
  public boolean shouldSnapshot(ChannelState state, Stored event, long sequenceNr) {
    return event instanceof HandingOff;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return settings.store().retention();
  }

  @Override
  public SnapshotAdapter<ChannelState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(ChannelState state) {
        return state.snapshot();
      }

      @Override
      public ChannelState fromJournal(Object from) {
        return ChannelState.restore((ChannelState.Snapshot) from);
      }
    };
  }

  @Override
  public EventHandler<ChannelState, Stored> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ChannelState::apply);
  }

  @Override
  public SignalHandler<ChannelState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(
            PostStop.instance(),
            state -> {
              uncount();
              waiters.clear();
              recountWaiting();
            })
        .build();
  }

  @Override
  public CommandHandler<Command, Stored, ChannelState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Write.class, this::onWrite)
        .onCommand(Read.class, this::onRead)
        .onCommand(Leave.class, (state, leave) -> onLeave(leave))
        .onCommand(Delete.class, this::onDelete)
        .onCommand(Settle.class, (state, settle) -> settle(state))
        .onCommand(WriteExpired.class, (state, expired) -> onWriteExpired(expired))
        .onCommand(HoldExpired.class, (state, expired) -> onHoldExpired(expired))
        .onCommand(TtlCheck.class, (state, check) -> onTtlCheck(state))
        .onCommand(HandOff.class, this::onHandOff)
        .onCommand(Wake.class, (state, wake) -> passivateIfNone(state))
        .build();
  }

  /** A channel recovered after a move or a crash gets a whole ttl for its reader to come back. */
  private void onRecovered(ChannelState state) {
    sent = state.consumed();
    lastReadMillis = clock.millis();
    if (state.open()) {
      count(state);
      armTtl(settings.ttl());
    }
  }

  private Effect<Stored, ChannelState> onCreate(ChannelState state, Create create) {
    if (!state.unknown()) {
      return Effect().reply(create.replyTo(), new Created(false));
    }
    return Effect()
        .persist(new Opened(create.producerDigest(), create.consumerDigest()))
        .thenRun(
            s -> {
              counters.created();
              count(s);
              lastReadMillis = clock.millis();
              armTtl(settings.ttl());
              create.replyTo().tell(new Created(true));
            });
  }

  private Effect<Stored, ChannelState> onWrite(ChannelState state, Write write) {
    if (!state.producedBy(write.producer())) {
      counters.refusedUnknown();
      write.replyTo().tell(new WriteOutcome(WriteStatus.UNKNOWN, 0));
      return passivateIfNone(state);
    }
    if (state.written(write.idempotencyKey()) != null || (waiters.isEmpty() && room(state) > 0)) {
      return store(state, List.of(write), List.of());
    }
    if (waiters.size() >= settings.waitingWrites() || settings.writeTimeout().isZero()) {
      counters.refusedFull();
      return Effect().reply(write.replyTo(), new WriteOutcome(WriteStatus.FULL, 0));
    }
    long id = ++ids;
    waiters.addLast(new Waiter(id, write));
    recountWaiting();
    timers.startSingleTimer(id, new WriteExpired(id), settings.writeTimeout());
    return Effect().none();
  }

  /** Messages not yet handed to a reader that the buffer has room for. */
  private int room(ChannelState state) {
    return (int) (settings.buffer() - (state.head() - sent));
  }

  /**
   * Stores the writes (after {@code before}) and answers each with its id. A write whose
   * idempotency key a held message, or an earlier write of the batch, has (a retry that waited
   * behind its original) is answered with that message's id and not stored again.
   */
  private Effect<Stored, ChannelState> store(
      ChannelState state, List<Write> writes, List<Stored> before) {
    List<Stored> events = new ArrayList<>(before);
    Map<String, Long> keys = new HashMap<>();
    long[] answers = new long[writes.size()];
    long seq = state.head();
    for (int i = 0; i < writes.size(); i++) {
      Write w = writes.get(i);
      String key = w.idempotencyKey();
      Long repeated = key == null ? null : keys.getOrDefault(key, state.written(key));
      if (repeated != null) {
        answers[i] = repeated;
        continue;
      }
      answers[i] = ++seq;
      if (key != null) {
        keys.put(key, seq);
      }
      events.add(new Written(new ChannelMessage(seq, w.streamId(), w.body()), key));
    }
    return (events.isEmpty() ? Effect().none() : Effect().persist(events))
        .thenRun(
            s -> {
              for (int i = 0; i < writes.size(); i++) {
                writes.get(i).replyTo().tell(new WriteOutcome(WriteStatus.WRITTEN, answers[i]));
              }
              recount(s);
              answerHeld(s);
            });
  }

  private Effect<Stored, ChannelState> onRead(ChannelState state, Read read) {
    if (!state.consumedBy(read.consumer())) {
      read.replyTo().tell(ReadOutcome.of(ReadStatus.UNKNOWN));
      return passivateIfNone(state);
    }
    if (read.resume()) {
      if (read.after() > state.head()) {
        return Effect().reply(read.replyTo(), ReadOutcome.of(ReadStatus.INVALID_CURSOR));
      }
      if (held != null && held.readerId() != read.readerId()) {
        held.replyTo().tell(ReadOutcome.of(ReadStatus.REPLACED));
        dropHold();
      }
      reader = read.readerId();
      lastReadMillis = clock.millis();
      long from = Math.max(read.after(), state.consumed());
      // What was handed to a reader before and is not covered by this resume goes out again.
      sent = from;
      if (read.after() > state.consumed()) {
        return Effect()
            .persist(new Released(read.after()))
            .thenRun(
                s -> {
                  recount(s);
                  serve(s, read, from, from);
                });
      }
      serve(state, read, from, from);
      return Effect().none();
    }
    if (reader == null) {
      // A new incarnation (after a move): the connection reading on is the reader.
      reader = read.readerId();
    } else if (reader != read.readerId()) {
      return Effect().reply(read.replyTo(), ReadOutcome.of(ReadStatus.REPLACED));
    }
    sent = Math.max(sent, read.after());
    serve(state, read, read.after(), -1);
    return Effect().none();
  }

  /**
   * Answers with what follows {@code after}; with nothing, a connection's first read ({@code
   * continuesAfter} at least 0) is answered at once (so that its client gets the response head) and
   * a later one is held until something comes.
   */
  private void serve(ChannelState state, Read read, long after, long continuesAfter) {
    List<ChannelMessage> next = state.after(after, MAX_BATCH, MAX_BATCH_BYTES);
    if (!next.isEmpty()) {
      handOut(read.replyTo(), next, continuesAfter);
      return;
    }
    if (continuesAfter >= 0) {
      read.replyTo().tell(new ReadOutcome(ReadStatus.MESSAGES, List.of(), null, continuesAfter));
      return;
    }
    if (held != null) {
      held.replyTo().tell(ReadOutcome.of(ReadStatus.MESSAGES));
    }
    held = new Held(read.readerId(), ++ids, after, read.replyTo());
    timers.startSingleTimer(HOLD, new HoldExpired(held.holdId()), settings.heartbeat());
  }

  private void handOut(
      ActorRef<ReadOutcome> replyTo, List<ChannelMessage> messages, long continuesAfter) {
    replyTo.tell(new ReadOutcome(ReadStatus.MESSAGES, messages, null, continuesAfter));
    sent = Math.max(sent, messages.get(messages.size() - 1).seq());
    lastReadMillis = clock.millis();
    context.getSelf().tell(Settle.INSTANCE);
  }

  private void answerHeld(ChannelState state) {
    if (held == null) {
      return;
    }
    List<ChannelMessage> next = state.after(held.after(), MAX_BATCH, MAX_BATCH_BYTES);
    if (!next.isEmpty()) {
      ActorRef<ReadOutcome> replyTo = held.replyTo();
      dropHold();
      handOut(replyTo, next, -1);
    }
  }

  private void dropHold() {
    held = null;
    timers.cancel(HOLD);
  }

  private Effect<Stored, ChannelState> settle(ChannelState state) {
    if (!state.open()) {
      return Effect().none();
    }
    List<Stored> releases = new ArrayList<>();
    long beyondWindow = sent - settings.resendWindow();
    if (beyondWindow > state.consumed()) {
      releases.add(new Released(beyondWindow));
    }
    List<Write> writes = new ArrayList<>();
    for (int room = room(state); room > 0 && !waiters.isEmpty(); room--) {
      Waiter w = waiters.pollFirst();
      timers.cancel(w.id());
      writes.add(w.write());
    }
    recountWaiting();
    if (releases.isEmpty() && writes.isEmpty()) {
      return Effect().none();
    }
    return store(state, writes, releases);
  }

  private Effect<Stored, ChannelState> onLeave(Leave leave) {
    if (reader != null && reader == leave.readerId()) {
      reader = null;
      if (held != null && held.readerId() == leave.readerId()) {
        dropHold();
      }
    }
    return Effect().none();
  }

  private Effect<Stored, ChannelState> onWriteExpired(WriteExpired expired) {
    for (Waiter w : waiters) {
      if (w.id() == expired.waiterId()) {
        waiters.remove(w);
        recountWaiting();
        counters.refusedFull();
        w.write().replyTo().tell(new WriteOutcome(WriteStatus.FULL, 0));
        break;
      }
    }
    return Effect().none();
  }

  private Effect<Stored, ChannelState> onHoldExpired(HoldExpired expired) {
    if (held != null && held.holdId() == expired.holdId()) {
      held.replyTo().tell(ReadOutcome.of(ReadStatus.MESSAGES));
      held = null;
    }
    return Effect().none();
  }

  private Effect<Stored, ChannelState> onDelete(ChannelState state, Delete delete) {
    if (!state.producedBy(delete.producer())) {
      delete.replyTo().tell(new Deleted(false));
      return passivateIfNone(state);
    }
    return close("deleted", () -> delete.replyTo().tell(new Deleted(true)));
  }

  private Effect<Stored, ChannelState> onTtlCheck(ChannelState state) {
    if (!state.open()) {
      return Effect().none();
    }
    long left = lastReadMillis + settings.ttl().toMillis() - clock.millis();
    if (left > 0) {
      armTtl(Duration.ofMillis(left));
      return Effect().none();
    }
    return close("expired", counters::expired);
  }

  /** Closes for good: the reader waiting gets {@code CLOSED}, waiting writes {@code UNKNOWN}. */
  private Effect<Stored, ChannelState> close(String reason, Runnable then) {
    return Effect()
        .persist(new Closed(reason))
        .thenRun(
            s -> {
              then.run();
              if (held != null) {
                held.replyTo().tell(new ReadOutcome(ReadStatus.CLOSED, List.of(), reason, -1));
                dropHold();
              }
              for (Waiter w : waiters) {
                timers.cancel(w.id());
                w.write().replyTo().tell(new WriteOutcome(WriteStatus.UNKNOWN, 0));
              }
              waiters.clear();
              recountWaiting();
              timers.cancel(TTL);
              uncount();
              moves.passivate(context.getSelf());
            });
  }

  /**
   * Sharding moves or stops the channel: its waiting callers ask again, wherever it goes. In memory
   * mode an open channel first hands its state to its next incarnation, if another node is up.
   */
  private Effect<Stored, ChannelState> onHandOff(ChannelState state, HandOff handOff) {
    if (held != null) {
      held.replyTo().tell(ReadOutcome.of(ReadStatus.MESSAGES));
      held = null;
    }
    for (Waiter w : waiters) {
      w.write().replyTo().tell(new WriteOutcome(WriteStatus.MOVING, 0));
    }
    waiters.clear();
    recountWaiting();
    if (settings.store().durable() || !state.open() || !moves.successorUp()) {
      return Effect().stop();
    }
    return Effect().persist(new HandingOff()).thenRun(s -> moves.wake(channelId)).thenStop();
  }

  /** An id that opens no channel is not kept running. */
  private Effect<Stored, ChannelState> passivateIfNone(ChannelState state) {
    if (!state.open()) {
      moves.passivate(context.getSelf());
    }
    return Effect().none();
  }

  private void armTtl(Duration in) {
    timers.startSingleTimer(TTL, TtlCheck.INSTANCE, in);
  }

  private void count(ChannelState state) {
    if (!counted) {
      counted = true;
      counters.opened();
    }
    recount(state);
  }

  private void recount(ChannelState state) {
    if (counted) {
      counters.buffered(state.size() - countedBuffered);
      countedBuffered = state.size();
    }
  }

  private void recountWaiting() {
    counters.waiting(waiters.size() - countedWaiting);
    countedWaiting = waiters.size();
  }

  private void uncount() {
    if (counted) {
      counted = false;
      counters.stopped();
      counters.buffered(-countedBuffered);
      countedBuffered = 0;
    }
  }
}
