package dev.crier.protocol.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TopicNameTest {
  private static final Pattern REFERENCE = Pattern.compile("[A-Za-z0-9._~:@!$&'()*+,;=/-]{1,256}");

  @Test
  void lengthLimitsAreOneTo256() {
    assertFalse(TopicName.isValid(""));
    assertFalse(TopicName.isValid(null));
    assertTrue(TopicName.isValid("a"));
    assertTrue(TopicName.isValid("a".repeat(256)));
    assertFalse(TopicName.isValid("a".repeat(257)));
  }

  @Test
  void everyAllowedPunctuationCharacterIsAccepted() {
    for (char c : "._~:@!$&'()*+,;=/-".toCharArray()) {
      assertTrue(TopicName.isValid("a" + c + "b"), "char " + c);
    }
    for (char c : " \"#%<>?[\\]^`{|}\t\n\r\0é".toCharArray()) {
      assertFalse(TopicName.isValid("a" + c + "b"), "char " + (int) c);
    }
  }

  @Test
  void validationMessageNamesTheRuleAndTheProblem() {
    InvalidTopicException e =
        assertThrows(InvalidTopicException.class, () -> TopicName.validate("ab cd"));
    assertTrue(e.getMessage().startsWith(TopicName.RULE), e.getMessage());
    assertTrue(e.getMessage().contains("U+0020 at index 2"), e.getMessage());
    assertTrue(
        assertThrows(InvalidTopicException.class, () -> TopicName.validate(""))
            .getMessage()
            .contains("empty"));
    assertEquals("orders/1", TopicName.validate("orders/1"));
    assertTrue(
        assertThrows(InvalidTopicException.class, () -> TopicName.validate("a".repeat(257)))
            .getMessage()
            .endsWith("; it is 257 characters long"));
  }

  @Test
  void charactersJustPastAsciiAreRefusedNotOutOfBounds() {
    for (char c : new char[] {'\u007f', '\u0080', '\u00ff', '\uffff'}) {
      assertFalse(TopicName.isValid("a" + c), "char " + (int) c);
    }
  }

  @Provide
  Arbitrary<String> candidates() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMinLength(0).ofMaxLength(300),
        Arbitraries.strings()
            .withChars("aZ09._~:@!$&'()*+,;=/- %é\"")
            .ofMinLength(0)
            .ofMaxLength(260));
  }

  @Property(tries = 3000)
  void agreesWithTheRegexOfTheRule(@ForAll("candidates") String topic) {
    assertEquals(REFERENCE.matcher(topic).matches(), TopicName.isValid(topic));
  }

  @Test
  void patternsMatchExactlyOrByPrefix() {
    assertTrue(TopicPattern.parse("*").matches("anything"));
    TopicPattern orders = TopicPattern.parse("orders/*");
    assertTrue(orders.wildcard());
    assertTrue(orders.matches("orders/1"));
    assertTrue(orders.matches("orders/"));
    assertFalse(orders.matches("orders"));
    assertFalse(orders.matches("invoices/1"));
    TopicPattern exact = TopicPattern.parse("orders");
    assertTrue(exact.matches("orders"));
    assertFalse(exact.matches("orders/1"));
    assertEquals("orders/*", orders.toString());
    assertThrows(InvalidTopicException.class, () -> TopicPattern.parse(""));
    assertThrows(InvalidTopicException.class, () -> TopicPattern.parse("bad topic*"));
  }
}
