#!/usr/bin/env bash
# Clang's thread-safety analysis over the sources that use src/core/thread_annotations.h (the
# build's compiler, GCC, ignores the annotations): every .cc that includes it, or includes a
# header that does, is compiled with clang -fsyntax-only -Wthread-safety -Werror.
#   tools/thread_safety.sh
# Exit status: 0 clean, non-zero on a violation (or a file clang cannot compile).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v clang++ >/dev/null || { echo "thread_safety.sh: clang++ is required" >&2; exit 1; }
annotation='core/thread_annotations.h'
mapfile -t headers < <(grep -rl --include='*.h' "#include \"$annotation\"" src include | sed -E 's#^(src|include)/##')
patterns=(-e "#include \"$annotation\"")
for h in "${headers[@]}"; do patterns+=(-e "#include \"$h\""); done
mapfile -t sources < <(grep -rlF --include='*.cc' "${patterns[@]}" src | grep -v '/fuzz/' | sort)
((${#sources[@]})) || { echo "thread_safety.sh: no source uses $annotation" >&2; exit 0; }
printf '%s\0' "${sources[@]}" |
  xargs -0 -P "$(nproc)" -n 1 clang++ -std=c++20 -fsyntax-only -Wthread-safety -Werror -Isrc -Iinclude
echo "thread_safety.sh: ${#sources[@]} files clean: ${sources[*]}"
