# Tashawur: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000
FONTS  := node_modules/@fontsource
VENDOR := static/vendor

.PHONY: setup run test lint format db translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.requirements: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end files are copied from npm packages into static/: no CDN at the venue.
$(VENDOR)/.installed: node_modules/.installed
	mkdir -p $(VENDOR)/fonts
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	cp $(FONTS)/noto-sans-arabic/files/noto-sans-arabic-arabic-400-normal.woff2 $(VENDOR)/fonts/noto-sans-arabic-400.woff2
	cp $(FONTS)/noto-sans-arabic/files/noto-sans-arabic-arabic-700-normal.woff2 $(VENDOR)/fonts/noto-sans-arabic-700.woff2
	cp $(FONTS)/noto-sans/files/noto-sans-latin-400-normal.woff2 $(VENDOR)/fonts/noto-sans-latin-400.woff2
	cp $(FONTS)/noto-sans/files/noto-sans-latin-700-normal.woff2 $(VENDOR)/fonts/noto-sans-latin-700.woff2
	cp $(FONTS)/noto-sans-tifinagh/files/noto-sans-tifinagh-tifinagh-400-normal.woff2 $(VENDOR)/fonts/noto-sans-tifinagh-400.woff2
	touch $@

translations: $(VENV)/.requirements
	$(BIN)/pybabel compile -d translations --statistics

setup: $(VENV)/.requirements $(VENDOR)/.installed translations

db: setup
	$(FLASK) db upgrade
	$(FLASK) demo

run: db
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python app.py

test: setup $(VENV)/.requirements-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.requirements-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract strings and merge them into every catalog (then translate the new entries).
messages: $(VENV)/.requirements
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache
