package dev.crier.node.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aFullBucketGivesItsBurstThenRefillsAtTheRate() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    assertEquals(0, bucket.tryTake(5, 0));
    long wait = bucket.tryTake(1, 0);
    assertEquals(SECOND / 10, wait, "one token comes back after 100 ms");
    assertTrue(bucket.tryTake(1, SECOND / 20) > 0, "not yet after 50 ms");
    assertEquals(0, bucket.tryTake(1, SECOND / 10));
    assertEquals(0, bucket.tryTake(5, 10 * SECOND), "refills up to the burst only");
    assertTrue(bucket.tryTake(1, 10 * SECOND) > 0);
  }

  @Test
  void theWaitIsForTheMissingTokensOnly() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    assertEquals(0, bucket.tryTake(5, 0));
    assertEquals(SECOND / 2, bucket.tryTake(5, 0), "the whole burst fits again after 500 ms");
    assertEquals(SECOND / 20, bucket.tryTake(1, SECOND / 20), "half a token is there after 50 ms");
  }

  @Test
  void aRequestLargerThanTheBurstNeverFits() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    assertEquals(Long.MAX_VALUE, bucket.tryTake(6, 100 * SECOND));
    assertEquals(0, bucket.tryTake(5, 100 * SECOND), "and takes nothing");
  }

  @Test
  void tokensGivenBackCanBeTakenAgainUpToTheBurst() {
    TokenBucket bucket = new TokenBucket(10, 5, 0);
    assertEquals(0, bucket.tryTake(3, 0));
    bucket.giveBack(3);
    assertEquals(0, bucket.tryTake(5, 0), "all five are there again");
    bucket.giveBack(10);
    assertEquals(Long.MAX_VALUE, bucket.tryTake(6, 0), "no more than the burst");
    assertEquals(0, bucket.tryTake(5, 0));
  }
}
