#!/bin/sh
# Compile the workloads into DIR (default: target/advice-workloads) with the javac on PATH (or
# $JAVAC). --release 11 makes one set of classes that JDK 11, 17, 21 and 25 all run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../target/advice-workloads}
mkdir -p "$out"
"${JAVAC:-javac}" --release 11 -Xlint:all -Werror -d "$out" "$here"/*.java
echo "$out"
