package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The int8 token tables, built straight from the code lengths, against Huffman.buildDecoder's table of the
 * same lengths (the BYTES sections' builder): the same slots hold the same symbols and second levels. And
 * the pair slots counted from the code lengths against a count of the built table's slots that pair.
 */
class Int8TablesTest {
  private static final int SLOTS = 1 << Huffman.LOOKUP_BITS;

  @Test
  void tokenTablesHoldBuildDecodersCodesAndPairsArePredictedFromLengths() {
    SplittableRandom rnd = new SplittableRandom(12);
    int[] decisions = new int[2];
    for (int trial = 0; trial < 300; trial++) {
      int contexts = 1 + rnd.nextInt(8);
      int tables = contexts * (1 + rnd.nextInt(32 / contexts));
      // Short codes (pairs likely) in some trials, long ones (second levels, no pairs) in others.
      int maxSymbols = trial % 2 == 0 ? 12 : SectionDecoders.INT8_ALPHABET;
      int[][] lengths = new int[tables][];
      for (int t = 0; t < tables; t++) lengths[t] = randomLengths(rnd, maxSymbols);
      int[] nextCtx = new int[SectionDecoders.INT8_ALPHABET];
      for (int s = 0; s < 255; s++) nextCtx[s] = contexts == 1 ? 0 : 1 + rnd.nextInt(contexts - 1);

      int[] plain = Huffman.buildDecoder(lengths);
      int[] token = SectionDecoders.tokenTable(lengths, contexts, nextCtx);
      assertEquals(plain.length, token.length, "table size");
      for (int t = 0; t < tables; t++) {
        int next = t - t % contexts;
        for (int i = t * SLOTS; i < (t + 1) * SLOTS; i++) {
          int p = plain[i];
          if ((p & 16) == 0) {
            assertEquals(expected(p, next, nextCtx), token[i], "slot " + i);
            continue;
          }
          int sub = p >>> 5;
          assertEquals(sub << SectionDecoders.H_OFFSET | SectionDecoders.H_SLOW | SectionDecoders.H_LONG | (p & 15), token[i]);
          for (int k = sub; k < sub + (1 << (p & 15)); k++) assertEquals(expected(plain[k], next, nextCtx), token[k], "slot " + k);
        }
      }

      long used = 0;
      long paired = 0;
      for (int t = 0; t < tables; t++) {
        boolean any = false;
        for (int l : lengths[t]) any |= l != 0;
        if (!any) continue;
        used += SLOTS;
        for (int i = t * SLOTS; i < (t + 1) * SLOTS; i++) if (SectionDecoders.secondEntry(token, i) != 0) paired++;
      }
      long[] predicted = SectionDecoders.pairSlots(lengths, contexts, nextCtx);
      assertEquals(paired, predicted[0], "trial " + trial + ": slots that pair");
      assertEquals(used, predicted[1], "trial " + trial + ": slots of tables with codes");
      boolean pays = paired >= SectionDecoders.MIN_PAIR_SHARE * used;
      assertEquals(pays, SectionDecoders.pairsPay(lengths, contexts, nextCtx));
      decisions[pays ? 1 : 0]++;
    }
    assertTrue(decisions[0] > 20 && decisions[1] > 20, "both pair decisions should occur: " + decisions[0] + " / " + decisions[1]);
  }

  /** buildDecoder's entry (symbol << 5 | length, or 0) as a token entry leading to table next + context. */
  private static int expected(int plainEntry, int next, int[] nextCtx) {
    if (plainEntry == 0) return SectionDecoders.H_SLOW;
    int s = plainEntry >>> 5;
    return SectionDecoders.LEAF[s] | (next + nextCtx[s]) << Huffman.LOOKUP_BITS | (plainEntry & 15);
  }

  /** A table Huffman.validate accepts: empty, one 1-bit code, or a complete code of up to maxSymbols symbols. */
  private static int[] randomLengths(SplittableRandom rnd, int maxSymbols) {
    int[] lengths = new int[SectionDecoders.INT8_ALPHABET];
    int kind = rnd.nextInt(12);
    if (kind == 0) return lengths;
    if (kind == 1) {
      lengths[rnd.nextInt(lengths.length)] = 1;
      return lengths;
    }
    // Complete codes by splitting leaves of a full binary tree (Kraft equality holds throughout).
    List<Integer> leaves = new ArrayList<>(List.of(1, 1));
    int n = 2 + rnd.nextInt(maxSymbols - 1);
    while (leaves.size() < n) {
      int k = rnd.nextInt(leaves.size());
      int l = leaves.get(k);
      if (l >= Huffman.MAX_CODE_LENGTH) {
        if (leaves.stream().allMatch(x -> x >= Huffman.MAX_CODE_LENGTH)) break;
        continue;
      }
      leaves.set(k, l + 1);
      leaves.add(l + 1);
    }
    int placed = 0;
    while (placed < leaves.size()) {
      int s = rnd.nextInt(lengths.length);
      if (lengths[s] == 0) lengths[s] = leaves.get(placed++);
    }
    return lengths;
  }
}
