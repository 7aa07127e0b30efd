#!/usr/bin/env bash
# A screenshot of `lemma serve`'s page (GET /) in headless Chromium (Debian `chromium`), each card filled in
# and run through the page's own script: docs/serve-page.png.
#
#   bench/serve_page_screenshot.sh [CLASSIFIER_RUN] [EMBEDDER_DIR] [GPT2_RUN] [IM2LATEX_RUN]
set -euo pipefail
cd "$(dirname "$0")/.."
CLASSIFIER=${1:-runs/metamath}
EMBEDDER=${2:-assets/minilm}
GPT2=${3:-runs/metamath-gpt2}
IM2LATEX=${4:-runs/im2latex}
PORT=8190
command -v chromium > /dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
.build/release/lemma serve --run "$CLASSIFIER" --model "$EMBEDDER" --run "$GPT2" --run "$IM2LATEX" --port $PORT 2> /tmp/lemma-page.log &
server=$!
trap 'kill -TERM $server 2> /dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.2; done

# A test formula from the bundled data, rendered as the model was trained on.
formula_png=$(ls data/im2latex-100k/images/*.png 2> /dev/null | head -1 || true)
image_url=""
if [[ -n "$formula_png" ]]; then image_url="data:image/png;base64,$(base64 -w0 "$formula_png")"; fi
query=$(python3 -c '
import sys, urllib.parse
names = [n.rstrip("/").split("/")[-1] for n in sys.argv[1:5]]
values = ["The empty set is a subset of every class", "a lemma about sets\nthe empty set is a subset\nprime numbers are infinite",
          "theorem syl\nhypothesis syl.1 |- ( ph -> ps )", sys.argv[5]]
print(urllib.parse.urlencode([(n, v) for n, v in zip(names, values) if v]))' "$CLASSIFIER" "$EMBEDDER" "$GPT2" "$IM2LATEX" "$image_url")
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1050 --virtual-time-budget=20000 \
    --screenshot=docs/serve-page.png "http://127.0.0.1:$PORT/?$query" 2> /dev/null
echo "wrote docs/serve-page.png"
