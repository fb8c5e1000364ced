# The two commands of the README. Everything else lives in scripts/.
.PHONY: demo test package bench size cluster

demo:   ## build the package and the example page, start the dev server, open http://127.0.0.1:8080
	bash scripts/demo.sh

cluster: ## the back end scaled out: PostgreSQL, Redis, 3 nodes, HAProxy (sticky) on 127.0.0.1; open http://127.0.0.1:8090
	bash scripts/cluster.sh

package: ## build the npm package and pack it: ./inbox-realtime-<version>.tgz, for `npm i` in your app
	bash scripts/package.sh

bench:  ## head-to-head benchmark vs socket.io-client (+ hooks ports) in headless Chromium; writes BENCHMARKS.md
	bash scripts/bench.sh

test:   ## every test: lints, native, browser (wasm in Chromium, Firefox, WebKit vs real socket.io), JS, e2e
	bash scripts/test.sh

size:   ## where the wasm's bytes go (twiggy, grouped by crate)
	bash scripts/wasm-size.sh
