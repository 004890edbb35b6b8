#!/usr/bin/env bash
# The mesh-pipelines study (docs/studies/mesh-pipelines.md): dreamfusion, magic3d and fantasia3d on the built-in prior,
# prompts x seeds x strategies, each run's exported asset scored against the nearest member.
# magic3d's first stage is dreamfusion's run bit for bit (same stage, same seed), so each magic3d run continues a copy
# of the dreamfusion run with the refine stage appended, instead of training that NeRF again.
# Usage: [SET=KEY=VALUE] scripts/mesh-pipelines-study.sh OUT "STRATEGIES" "SEEDS" "PIPELINES" [PROMPT...]
# SET is passed to generate as --set for the NeRF pipelines (dreamfusion, magic3d), e.g.
# SET=stages.0.representation.occupancy_grid=false for the runs made before empty-space skipping.
set -euo pipefail
out=${1:?out folder}; strategies=${2:-tp-sds}; seeds=${3:-0}; pipelines=${4:-"dreamfusion magic3d fantasia3d"}; shift 4 || true
prompts=("$@"); [ ${#prompts[@]} -gt 0 ] || prompts=("a red mushroom" "a snowman" "a chair")
cd "$(dirname "$0")/.."
mkdir -p "$out"
slug() { echo "$1" | tr 'A-Z ' 'a-z-'; }
for seed in $seeds; do for prompt in "${prompts[@]}"; do for strategy in $strategies; do
  base="$out/$(slug "$prompt")-$strategy-seed$seed"
  for pipeline in $pipelines; do
    dir="$base-$pipeline"
    [ -f "$dir/metrics.json" ] && continue
    start=$(date +%s.%N)
    if [ "$pipeline" = magic3d ] && [ -f "$base-dreamfusion/metrics.json" ]; then
      rm -rf "$dir"; mkdir -p "$dir/checkpoints"
      cp -r "$base-dreamfusion/checkpoints/0-nerf" "$dir/checkpoints/"
      ./dreamtime generate "$prompt" --pipeline magic3d --seed "$seed" --strategy "$strategy" --out "$dir.cfg" --iterations 1 \
        --overwrite >/dev/null 2>&1 || true
      python3 - "$dir.cfg/config.json" "$base-dreamfusion/config.json" "$dir/config.json" <<'PY'
import json, sys
m3 = json.load(open(sys.argv[1])); df = json.load(open(sys.argv[2]))
refine = json.load(open(sys.argv[1]))["stages"][1]
# the preset's refine stage at its default length (the probe run above set every stage to 1 iteration)
m3["stages"] = [df["stages"][0], refine]
json.dump(m3, open(sys.argv[3], "w"), indent=2)
PY
      rm -rf "$dir.cfg"
      python3 - "$dir/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["stages"][1]["iterations"] = 300
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
      ./dreamtime generate --resume "$dir" >"$dir.log" 2>&1
      # the time of the whole pipeline: the dreamfusion run's training plus this continuation
      python3 - "$dir/metrics.json" "$base-dreamfusion/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
m["wall_seconds"] = round(d["wall_seconds"] + m["seconds_this_session"], 1)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
    else
      extra=(); if [ -n "${SET:-}" ] && [ "$pipeline" != fantasia3d ]; then extra=(--set "$SET"); fi
      ./dreamtime generate "$prompt" --pipeline "$pipeline" --seed "$seed" --strategy "$strategy" "${extra[@]}" --out "$dir" \
        --overwrite >"$dir.log" 2>&1
      python3 - "$dir/metrics.json" "$start" <<'PY'
import json, sys, time
m = json.load(open(sys.argv[1])); m["wall_seconds"] = round(time.time() - float(sys.argv[2]), 1)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
    fi
    echo "$dir: $(python3 -c "import json;d=json.load(open('$dir/metrics.json'));print(d.get('psnr'),d.get('mesh_psnr'),d.get('mesh_mask_iou'),d.get('wall_seconds'))")"
  done
done; done; done
