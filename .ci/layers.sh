#!/usr/bin/env bash
# The direction of the layers (ARCHITECTURE.md), checked on the dependency graph:
# core is pure (no database, web or template crate anywhere below it); app holds use cases and
# reaches the database only through store; web reaches it only through app.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0
# deny CRATE MODE FORBIDDEN...: MODE "all" checks everything below CRATE, "direct" its own list.
deny() {
  local crate=$1 mode=$2; shift 2
  local depth=()
  [ "$mode" = direct ] && depth=(--depth 1)
  local tree
  tree=$(cargo tree -q -p "$crate" -e normal --prefix none "${depth[@]}" | awk '{print $1}' | sort -u)
  for forbidden in "$@"; do
    if grep -qx "$forbidden" <<< "$tree"; then
      echo "layers: $crate depends on $forbidden ($mode), which its layer must not" >&2
      failed=1
    fi
  done
}
deny sanshe-core all sqlx sqlx-core rusqlite libsqlite3-sys axum askama tokio reqwest sanshe-store sanshe-app sanshe-web
deny sanshe-store all axum askama reqwest sanshe-app sanshe-web
deny sanshe-app direct sqlx rusqlite libsqlite3-sys axum askama sanshe-web
deny sanshe-web direct sqlx rusqlite libsqlite3-sys sanshe-store
[ $failed = 0 ] && echo "layers: core, store, app and web depend only downwards"

# A source file past 800 lines holds more than one use case (ARCHITECTURE.md): split it. The
# demo data is one long table and is let be.
while read -r lines file; do
  [ "$file" = total ] && continue
  if [ "$lines" -gt 800 ] && [ "$file" != crates/app/src/demo.rs ]; then
    echo "layers: $file has $lines lines; split it by use case (at most 800)" >&2
    failed=1
  fi
done < <(find crates -path '*/src/*' -name '*.rs' -print0 | xargs -0 wc -l)
[ $failed = 0 ] && echo "layers: no source file over 800 lines"
exit $failed
