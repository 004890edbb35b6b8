#!/usr/bin/env bash
# Soak test of checkpoint/resume: runs `dreamtime generate` once uninterrupted (the reference), then again and again
# with `kill -9` at a random step (or during the export) followed by `--resume` until the run completes, and checks
# that each result is byte-identical to the reference: model.glb, model.obj, metrics.json without its timing fields,
# metrics.jsonl and the last checkpoint (representation and optimizer safetensors, state.json without timings).
# Prints one line per round and the count of rounds passed. Not part of the test suite (it takes minutes per round).
#
#   scripts/soak.sh [--iterations N] [--minutes M] [--rounds R] [--work DIR] [-- EXTRA GENERATE OPTIONS]
#
# Defaults: 100 iterations, a checkpoint every 10 steps, 20 minutes (the last round started finishes), work folder
# /tmp/dreamtime-soak. The CLI is built once and copied to the work folder, so editing the sources meanwhile does
# not change the binary under test. Exit code 0 when every round passed, 1 when one differed, 2 on usage errors.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
iterations=100
minutes=20
max_rounds=0
work=/tmp/dreamtime-soak
extra=(--checkpoint-every 10)
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --rounds) max_rounds="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "soak.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
done

mkdir -p "$work"
log="$work/soak.log"
say() { echo "$(date +%H:%M:%S) $*" | tee -a "$log"; }

# Build once, then run a private copy of the binaries.
"$root/dreamtime" --version >/dev/null
rm -rf "$work/bin"
cp -r "$root/src/DreamTime.Cli/bin/Release/net10.0/linux-x64" "$work/bin"
cli=(dotnet "$work/bin/DreamTime.Cli.dll")
args=(generate "a red mushroom" --pipeline dreamfusion --iterations "$iterations" "${extra[@]}")

# Results with the fields that depend on the clock or the machine's load removed.
normalize() { # run folder -> folder of comparable files
  local run="$1" out="$2"
  rm -rf "$out"; mkdir -p "$out"
  cp "$run/model.glb" "$run/model.obj" "$out/"
  jq -S 'del(.train_seconds_total, .seconds_per_step, .seconds_this_session, .peak_memory_mib)' "$run/metrics.json" >"$out/metrics.json"
  jq -S -c 'del(.seconds)' "$run/metrics.jsonl" >"$out/metrics.jsonl"
  cp "$run/checkpoints/0-nerf/representation.safetensors" "$run/checkpoints/0-nerf/optimizer.safetensors" "$out/"
  [ ! -f "$run/checkpoints/0-nerf/guidance.safetensors" ] || cp "$run/checkpoints/0-nerf/guidance.safetensors" "$out/"
  jq -S -c 'del(.History[].Seconds)' "$run/checkpoints/0-nerf/state.json" >"$out/state.json"
}

# Highest step printed so far in a run's log (the progress line is "[###...] K/N ...").
step_of() { grep -aoE '\] [0-9]+/[0-9]+' "$1" 2>/dev/null | tail -1 | sed -E 's/\] ([0-9]+)\/.*/\1/' || true; }

say "reference run: ${cli[*]} ${args[*]}"
start=$(date +%s)
"${cli[@]}" "${args[@]}" --out "$work/reference" --overwrite >"$work/reference.log" 2>&1 || { say "reference run failed; see $work/reference.log"; exit 1; }
ref_seconds=$(( $(date +%s) - start ))
normalize "$work/reference" "$work/reference.norm"
say "reference done in ${ref_seconds}s"

deadline=$(( $(date +%s) + minutes * 60 ))
passed=0; failed=0; round=0
while [ "$(date +%s)" -lt "$deadline" ] && { [ "$max_rounds" -eq 0 ] || [ "$round" -lt "$max_rounds" ]; }; do
  round=$((round + 1))
  run="$work/round"
  rm -rf "$run"
  kills=0; attempt=0; done_ok=0
  while [ "$done_ok" -eq 0 ]; do
    attempt=$((attempt + 1))
    if [ "$attempt" -gt 20 ]; then say "round $round: gave up after 20 attempts"; break; fi
    if [ -f "$run/checkpoints/0-nerf/state.json" ] || [ -f "$run/checkpoints/.old-0-nerf/state.json" ]; then
      cmd=("${cli[@]}" generate --resume "$run")
    else
      cmd=("${cli[@]}" "${args[@]}" --out "$run" --overwrite)
    fi
    # Kill at a random step in [1, iterations], or (one time in five) during the export after the last step.
    if [ $((RANDOM % 5)) -eq 0 ]; then target=export; else target=$(( RANDOM % iterations + 1 )); fi
    # Only the first two attempts are killed, so every round ends.
    [ "$attempt" -le 2 ] || target=none
    alog="$work/round.attempt$attempt.log"
    "${cmd[@]}" >"$alog" 2>&1 &
    pid=$!
    killed=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$target" = export ]; then
        if grep -aq 'exporting' "$alog"; then sleep "0.$((RANDOM % 10))"; kill -9 "$pid" 2>/dev/null && killed=1; break; fi
      elif [ "$target" != none ]; then
        s=$(step_of "$alog")
        if [ -n "$s" ] && [ "$s" -ge "$target" ]; then kill -9 "$pid" 2>/dev/null && killed=1; break; fi
      fi
      sleep 0.2
    done
    set +e; wait "$pid"; rc=$?; set -e
    if [ "$killed" -eq 1 ] && [ "$rc" -eq 137 ]; then
      kills=$((kills + 1)); say "round $round: killed at $target (step $(step_of "$alog"))"
    elif [ "$rc" -eq 0 ]; then
      done_ok=1
    else
      say "round $round: attempt $attempt exited with $rc; see $alog"; tail -3 "$alog" | tee -a "$log"
      failed=$((failed + 1)); break
    fi
  done
  [ "$done_ok" -eq 1 ] || continue
  normalize "$run" "$work/round.norm"
  if diff -rq "$work/reference.norm" "$work/round.norm" >"$work/round.diff" 2>&1; then
    passed=$((passed + 1)); say "round $round: identical after $kills kill(s) ($passed passed)"
  else
    failed=$((failed + 1)); say "round $round: DIFFERS after $kills kill(s):"; tee -a "$log" <"$work/round.diff"
    cp -r "$run" "$work/failed-round-$round"
  fi
done
say "soak: $passed round(s) passed, $failed failed ($iterations iterations, reference ${ref_seconds}s)"
[ "$failed" -eq 0 ]
