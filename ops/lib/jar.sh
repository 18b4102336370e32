# Sourced by the ops scripts: builds the runnable jar when it is missing or older than the sources.
# Sets CRIER_JAR.
CRIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CRIER_JAR="$CRIER_ROOT/proxy-node/target/crier-node.jar"
# The node's JVM options unless JAVA_OPTS says otherwise; the same in ops/docker/Dockerfile,
# ops/helm/crier/values.yaml and ops/systemd/crier.service (docs/operations.md explains each).
CRIER_JAVA_DEFAULTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"

crier_jar_stale() {
  [ ! -f "$CRIER_JAR" ] && return 0
  [ -n "$(find "$CRIER_ROOT/pom.xml" "$CRIER_ROOT/protocol/pom.xml" "$CRIER_ROOT/proxy-node/pom.xml" \
      "$CRIER_ROOT/protocol/src/main" "$CRIER_ROOT/proxy-node/src/main" -newer "$CRIER_JAR" -print -quit)" ]
}

crier_build_jar() {
  if crier_jar_stale; then
    echo "crier: building $CRIER_JAR" >&2
    # Maven's output is kept out of the node's (it carries terminal escapes even when quiet, which
    # would break a script reading "^crier: " lines) and shown, without them, only if the build fails.
    local log
    log="$(mktemp "${TMPDIR:-/tmp}/crier-build.XXXXXX")"
    if ! (cd "$CRIER_ROOT" && mvn -B -q -DskipTests -pl proxy-node -am package) >"$log" 2>&1; then
      sed 's/\x1b\[[0-9;]*m//g' "$log" >&2
      rm -f "$log"
      return 1
    fi
    rm -f "$log"
  fi
}
