package io.mast.devkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of DESIGN.md, enforced: every arrow between modules points down the
 * list in the root pom, no class uses another module's {@code internal} package, generated
 * protobuf types stay in protocol, and Paho stays in the uplink (and the benchmark that
 * subscribes). Main code only: tests may reach across (edge-runtime's tests run against the
 * simulated board).
 */
class ArchitectureTest {
  /** Each module's root package and the modules it may use, in the order of the root pom. */
  private static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

  static {
    MAY_USE.put("io.mast.seams", Set.of());
    MAY_USE.put("io.mast.protocol", Set.of());
    MAY_USE.put("io.mast.config", Set.of("io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.drivers", Set.of("io.mast.config", "io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.ota", Set.of("io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.store", Set.of("io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.datasets", Set.of("io.mast.protocol"));
    MAY_USE.put("io.mast.sim", Set.of("io.mast.drivers", "io.mast.config", "io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.runtime", Set.of("io.mast.store", "io.mast.ota", "io.mast.drivers", "io.mast.config", "io.mast.protocol",
        "io.mast.seams"));
    MAY_USE.put("io.mast.cli", Set.of("io.mast.config", "io.mast.protocol", "io.mast.seams"));
    // the platform's tools pack OTA bundles with the pole's own chunker and bundle format
    MAY_USE.put("io.mast.tools", Set.of("io.mast.cli", "io.mast.datasets", "io.mast.ota", "io.mast.config", "io.mast.protocol",
        "io.mast.seams"));
    MAY_USE.put("io.mast.pole", Set.of("io.mast.cli", "io.mast.runtime", "io.mast.store", "io.mast.ota", "io.mast.drivers",
        "io.mast.config", "io.mast.protocol", "io.mast.seams"));
    MAY_USE.put("io.mast.devkit", Set.of("io.mast.pole", "io.mast.tools", "io.mast.cli", "io.mast.runtime", "io.mast.sim",
        "io.mast.datasets", "io.mast.store", "io.mast.ota", "io.mast.drivers", "io.mast.config", "io.mast.protocol", "io.mast.seams"));
  }

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    ImportOption noTestJars = location -> !location.contains("-tests.jar") && !location.contains("/test-classes/");
    main = new ClassFileImporter().withImportOption(noTestJars).importPackages("io.mast");
  }

  /** The module a class belongs to: the longest root package of {@link #MAY_USE} it sits in, or null. */
  static String moduleOf(JavaClass c) {
    String pkg = c.getPackageName();
    String best = null;
    for (String root : MAY_USE.keySet()) {
      if ((pkg.equals(root) || pkg.startsWith(root + ".")) && (best == null || root.length() > best.length())) {
        best = root;
      }
    }
    return best;
  }

  @Test
  void theImportSawEveryModule() {
    for (String root : MAY_USE.keySet()) {
      assertTrue(main.stream().anyMatch(c -> root.equals(moduleOf(c))), "classes of " + root);
    }
  }

  @Test
  void everyArrowBetweenModulesPointsDown() {
    ArchRule rule = classes().that().resideInAPackage("io.mast..").should(new ArchCondition<JavaClass>("use only the modules below their own") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        String from = moduleOf(c);
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          String to = moduleOf(d.getTargetClass());
          if (from != null && to != null && !to.equals(from) && !MAY_USE.get(from).contains(to)) {
            events.add(SimpleConditionEvent.violated(d, from + " must not use " + to + ": " + d.getDescription()));
          }
        }
      }
    });
    rule.check(main);
  }

  @Test
  void noClassUsesAnotherModulesInternalPackage() {
    ArchRule rule = classes().that().resideInAPackage("io.mast..").should(new ArchCondition<JavaClass>("use internal packages of their own module only") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass();
          boolean internal = target.getPackageName().contains(".internal");
          if (internal && moduleOf(target) != null && !moduleOf(target).equals(moduleOf(c))) {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    });
    rule.check(main);
  }

  @Test
  void generatedProtobufTypesStayInTheProtocolModule() {
    noClasses().that().resideOutsideOfPackage("io.mast.protocol..")
        .should().dependOnClassesThat().resideInAPackage("io.mast.protocol.internal.pb..")
        .check(main);
  }

  @Test
  void pahoStaysInTheUplinkThePlatformToolsAndTheBenchmarkSubscriber() {
    noClasses().that().resideOutsideOfPackages("io.mast.runtime.uplink..", "io.mast.devkit..", "io.mast.tools..")
        .should().dependOnClassesThat().resideInAPackage("org.eclipse.paho..")
        .check(main);
  }

  @Test
  void thePolesCodeNeverReachesTheSimulatorBrokerOrBenchmarks() {
    noClasses().that().resideInAnyPackage("io.mast.runtime..", "io.mast.pole..", "io.mast.store..", "io.mast.drivers..", "io.mast.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("io.mast.sim..", "io.mast.devkit..", "io.mast.tools..", "io.mast.datasets..",
            "io.netty.handler.codec.mqtt..", "com.squareup.tape2..", "com.pi4j.plugin.mock..")
        .check(main);
  }

  /**
   * The runtime's core and its agents, without a circle: the agents (config agent, console, OTA
   * agent) hold the core's {@code Pole} port, never the composition ({@code EdgeRuntime}) nor the
   * core's class; the core's packages know no agent and not the composition. {@code root} is the
   * runtime's root package, where the composition lives.
   */
  static List<ArchRule> coreAndAgents(String root, String composition, String coreClass) {
    String[] agents = {root + ".agent..", root + ".console..", root + ".ota.."};
    String[] core = {root + ".core..", root + ".sampling..", root + ".uplink..", root + ".alarm..", root + ".health..", root + ".replay.."};
    return List.of(
        noClasses().that().resideInAnyPackage(agents).should().dependOnClassesThat()
            .haveFullyQualifiedName(composition).orShould().dependOnClassesThat().haveFullyQualifiedName(coreClass)
            .because("an agent holds the Pole port, not the runtime that made it"),
        noClasses().that().resideInAnyPackage(core).should().dependOnClassesThat().resideInAnyPackage(agents)
            .orShould().dependOnClassesThat().haveFullyQualifiedName(composition)
            .because("the core knows agents only as things it stops in order"),
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices().matching(root + ".(*)..").should().beFreeOfCycles());
  }

  @Test
  void theRuntimesCoreAndItsAgentsHoldEachOtherInNoCircle() {
    for (ArchRule rule : coreAndAgents("io.mast.runtime", "io.mast.runtime.EdgeRuntime", "io.mast.runtime.core.PoleCore")) {
      rule.check(main);
    }
  }

  @Test
  void theCoreAndAgentRulesFailOnTheCircleTheRuntimeHadBefore() {
    // the fixture in small: a composition that hands an agent itself, a core that makes its agent
    JavaClasses circle = new ClassFileImporter().importPackages("io.mast.devkit.archfixture");
    List<String> failures = new java.util.ArrayList<>();
    for (ArchRule rule : coreAndAgents("io.mast.devkit.archfixture", "io.mast.devkit.archfixture.Runtime",
        "io.mast.devkit.archfixture.core.Core").subList(0, 2)) {
      try {
        rule.check(circle);
      } catch (AssertionError e) {
        failures.add(e.getMessage());
      }
    }
    assertTrue(failures.size() == 2, failures.toString());
    assertTrue(failures.get(0).contains("Shell") && failures.get(0).contains("Runtime"), failures.get(0));
    assertTrue(failures.get(1).contains("Core") && failures.get(1).contains("ConfigAgent"), failures.get(1));
  }

  @Test
  void theRulesWouldSeeAViolation() {
    // a class of the pole that used the simulated board would break the last rule: the rule fires on it
    JavaClasses offender = new ClassFileImporter().importClasses(Offender.class, io.mast.sim.EmbeddedBroker.class);
    List<String> failures = new java.util.ArrayList<>();
    try {
      noClasses().that().haveSimpleName("Offender").should().dependOnClassesThat().resideInAnyPackage("io.mast.sim..").check(offender);
    } catch (AssertionError e) {
      failures.add(e.getMessage());
    }
    assertTrue(failures.size() == 1 && failures.get(0).contains("EmbeddedBroker"), failures.toString());
  }

  /** Uses the simulated board, as no pole class may. */
  static final class Offender {
    int port(io.mast.sim.EmbeddedBroker broker) {
      return broker.port();
    }
  }
}
