package io.mast.runtime.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a child JVM running {@code mast} with this JVM's java and class path. */
final class ChildJvm {
  private ChildJvm() {}

  static List<String> mast(List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MastCommand.class.getName()));
    cmd.addAll(args);
    return cmd;
  }
}
