package io.mast.runtime.console;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.sim.SimulatedBoard;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The console's command parser over any line a technician (or a noisy serial line, or a remote
 * command once verified) gives it: the line split into words as the shell splits it, and a
 * {@code config get|set PATH [VALUE]} applied to the example config as the console applies it.
 * Expected: the words (never throwing), then the value, or a {@link ConfigException} naming the
 * path. A finding: any other exception, or a word holding an unquoted space. (In this package:
 * the shell's splitter is the console's own.)
 */
class ConsoleLineFuzzTest {
  private static DeviceConfig example;

  private static synchronized DeviceConfig example() throws IOException {
    if (example == null) {
      example = SimulatedBoard.exampleConfig();
    }
    return example;
  }

  @FuzzTest
  void parse(byte[] bytes) throws Exception {
    String line = new String(bytes, StandardCharsets.UTF_8);
    List<String> words = Shell.words(line);
    if (line.indexOf('"') < 0) {
      for (String w : words) {
        if (w.isEmpty() || w.indexOf(' ') >= 0) {
          throw new IllegalStateException("an unquoted line gave the word '" + w + "'");
        }
      }
    }
    if (words.size() >= 3 && words.get(0).equals("config")) {
      try {
        if (words.get(1).equals("set") && words.size() >= 4) {
          DeviceConfig next = DeviceConfigs.withValue(example(), words.get(2), words.get(3));
          DeviceConfigs.valueAt(next, words.get(2));
          DeviceConfigs.diff(example(), next);
        } else {
          DeviceConfigs.valueAt(example(), words.get(2));
        }
      } catch (ConfigException refused) {
        // a clear refusal, naming the path
      }
    }
  }
}
