package io.mast.runtime.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns aligned with spaces, within a width (80 on a technician's terminal): the last column
 * is cut with "..." when a row would pass it. No ANSI, no tabs.
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... headers) {
    this.columns = headers.length;
    rows.add(headers);
  }

  Table row(Object... cells) {
    String[] r = new String[columns];
    for (int i = 0; i < columns; i++) {
      r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
    }
    rows.add(r);
    return this;
  }

  List<String> lines(int width) {
    int[] w = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    List<String> out = new ArrayList<>();
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        b.append(i == columns - 1 ? r[i] : pad(r[i], w[i])).append(i == columns - 1 ? "" : "  ");
      }
      out.add(cut(b.toString().stripTrailing(), width));
    }
    return out;
  }

  /** {@code line} within {@code width} columns: cut with "..." when longer. */
  static String cut(String line, int width) {
    return line.length() > width ? line.substring(0, width - 3) + "..." : line;
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }
}
