# Tashawur: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000
FONTS  := node_modules/@fontsource
VENDOR := static/vendor

.PHONY: setup run test screenshots lint format db translations messages clean

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

# Arabic as written in Morocco (with ڤ ڭ گ پ چ for names and Darija) and Tifinagh: the fonts keep only these,
# with every glyph their shaping reaches; static/css/app.css gives the same ranges to the browser.
ARABIC_UNICODES   := U+0000,U+000D,U+0020,U+00A0,U+0600-065F,U+0660-066D,U+0670-0671,U+067E,U+0686,U+06A4-06A5,U+06AD,U+06AF,U+06CC,U+06D4,U+06F0-06F9,U+200C-200F,U+2010-2011,U+FD3E-FD3F,U+FDF2,U+FDFC,U+204F,U+2E41
TIFINAGH_UNICODES := U+0000,U+000D,U+0020,U+00A0,U+2D30-2D7F,U+200C-200D,U+25CC
SUBSET := $(BIN)/pyftsubset --layout-features='*' --flavor=woff2

# Front-end files are copied from npm packages into static/: no CDN at the venue.
$(VENDOR)/.installed: node_modules/.installed $(VENV)/.requirements
	mkdir -p $(VENDOR)/fonts
	cp node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/workbox  # the service worker's library: its loader and the production builds it loads
	cp node_modules/workbox-sw/build/workbox-sw.js $(VENDOR)/workbox/
	for m in core routing strategies cacheable-response expiration; do \
	  cp node_modules/workbox-$$m/build/workbox-$$m.prod.js $(VENDOR)/workbox/ || exit 1; \
	done
	for w in 400 700; do \
	  $(SUBSET) --unicodes="$(ARABIC_UNICODES)" --output-file=$(VENDOR)/fonts/noto-sans-arabic-$$w.woff2 \
	    $(FONTS)/noto-sans-arabic/files/noto-sans-arabic-arabic-$$w-normal.woff2 || exit 1; \
	  cp $(FONTS)/noto-sans/files/noto-sans-latin-$$w-normal.woff2 $(VENDOR)/fonts/noto-sans-latin-$$w.woff2; \
	done
	$(SUBSET) --unicodes="$(TIFINAGH_UNICODES)" --output-file=$(VENDOR)/fonts/noto-sans-tifinagh-400.woff2 \
	  $(FONTS)/noto-sans-tifinagh/files/noto-sans-tifinagh-tifinagh-400-normal.woff2
	# The six letters of the language switch's ⵜⴰⵎⴰⵣⵉⵖⵜ, for every page (696 bytes): many phones have no Tifinagh.
	$(BIN)/pyftsubset --layout-features='' --no-hinting --desubroutinize --name-IDs='' --flavor=woff2 \
	  --unicodes="U+2D30,U+2D49,U+2D4E,U+2D56,U+2D5C,U+2D63" --output-file=$(VENDOR)/fonts/tifinagh-name.woff2 \
	  $(FONTS)/noto-sans-tifinagh/files/noto-sans-tifinagh-tifinagh-400-normal.woff2
	touch $@

# The PDF report's fonts: full TTFs (npm), each cut to the scripts it writes. Every layout feature and the glyph
# names stay, so HarfBuzz reaches every glyph it shapes and PDF readers can search and copy the text.
PDF_FONTS  := build/fonts
EXPO       := node_modules/@expo-google-fonts
PDF_COMMON := U+0020-007E,U+00A0-00BF,U+00D7,U+00F7,U+2000-206F,U+20AC,U+2190-2193,U+2212,U+25CC
# French, English and Tamazight in Latin letters (ɛ ɣ ḍ ḥ ṛ ṣ ṭ ẓ ǧ), with the combining accents people type.
LATIN_UNICODES := U+0000-017F,U+0186,U+018E,U+0190,U+0194,U+01E6-01E7,U+0254,U+0259,U+025B,U+0263,U+0300-0304,U+0306-0308,U+030C,U+0323,U+0331,U+1E0C-1E0D,U+1E24-1E25,U+1E5A-1E5B,U+1E62-1E63,U+1E6C-1E6D,U+1E92-1E93
PDF_SUBSET := $(BIN)/pyftsubset --layout-features='*' --glyph-names --notdef-outline --name-IDs='*' --no-hinting
$(PDF_FONTS)/.installed: node_modules/.installed $(VENV)/.requirements
	mkdir -p $(PDF_FONTS)
	for w in 400Regular 700Bold; do \
	  $(PDF_SUBSET) --unicodes="$(ARABIC_UNICODES),$(PDF_COMMON)" --output-file=$(PDF_FONTS)/NotoSansArabic-$$w.ttf \
	    $(EXPO)/noto-sans-arabic/$$w/NotoSansArabic_$$w.ttf || exit 1; \
	  $(PDF_SUBSET) --unicodes="$(LATIN_UNICODES),$(PDF_COMMON)" \
	    --output-file=$(PDF_FONTS)/NotoSans-$$w.ttf $(EXPO)/noto-sans/$$w/NotoSans_$$w.ttf || exit 1; \
	done
	$(PDF_SUBSET) --unicodes="$(TIFINAGH_UNICODES),$(PDF_COMMON)" --output-file=$(PDF_FONTS)/NotoSansTifinagh-400Regular.ttf \
	  $(EXPO)/noto-sans-tifinagh/400Regular/NotoSansTifinagh_400Regular.ttf
	touch $@

translations: $(VENV)/.requirements
	$(BIN)/pybabel compile -d translations --statistics

setup: $(VENV)/.requirements $(VENDOR)/.installed $(PDF_FONTS)/.installed translations

db: setup
	$(FLASK) db upgrade
	HOST=$(HOST) PORT=$(PORT) $(FLASK) demo  # it prints the URLs where `make run` serves

run: db
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python app.py

test: setup $(VENV)/.requirements-dev
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests again, renewing the pictures in docs/screenshots/ (a plain test run keeps them in tests/artifacts/).
screenshots: setup $(VENV)/.requirements-dev
	DOCS_SCREENSHOTS=1 $(BIN)/pytest tests/browser

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
	rm -rf $(VENV) node_modules $(VENDOR) $(PDF_FONTS) .pytest_cache
