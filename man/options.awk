# man/options.awk: the options of each command, from the COMMANDS section
# of man/cairn.1, as C source for `cairn help <command>`: one entry per
# ".It Fl ..." item of a command's subsection (the items of lists nested
# in another item's text are not options of the command), with the item
# rendered as text and the first sentence of its description.
#
# Usage: awk -f man/options.awk man/cairn.1 >help_text.c
#
# The page follows mdoc's rule that a sentence ends a line, so the first
# sentence is the text up to the first line that ends with '.', '!' or
# '?'.  Inline macros are rendered as mandoc renders them in plain text,
# closely enough for one line of help: Fl as "-x", Ar as "<x>", Ql and Sq
# in single quotes, Dq in double quotes, Pq in parentheses, Op in
# brackets, Xr as "name(section)", Ns joining words.

BEGIN {
	print "/* Generated from man/cairn.1 by man/options.awk: do not edit. */"
	print "#include <stddef.h>"
	print ""
	print "#include \"cmd.h\""
	print ""
	print "const struct cmd_option_help cmd_option_help[] = {"
	cmd = ""
	depth = 0
	item = ""
	desc = ""
	collecting = 0
}

# "\-" and friends, as plain text.
function unescape(s) {
	gsub(/\\-/, "-", s)
	gsub(/\\&/, "", s)
	gsub(/\\e/, "\\", s)
	gsub(/\\\(:A/, "\303\204", s)
	gsub(/\\\(em/, "--", s)
	gsub(/\\ /, " ", s)
	gsub(/\\~/, " ", s)
	return s
}

# Split a macro line's arguments into words, "quoted words" kept whole.
function words(line, w,    n, q, c, i, cur, inword) {
	n = 0
	q = 0
	cur = ""
	inword = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (c == "\"") {
			q = !q
			inword = 1
			continue
		}
		if (!q && (c == " " || c == "\t")) {
			if (inword)
				w[++n] = cur
			cur = ""
			inword = 0
			continue
		}
		cur = cur c
		inword = 1
	}
	if (inword)
		w[++n] = cur
	return n
}

function is_macro(x) {
	return x ~ /^(Fl|Ar|Cm|Ql|Dq|Sq|Pq|Op|Oo|Oc|Ns|No|Ev|Pa|Sx|Xr|Em|Va|Li|Sy|Pf|Ic|Nm|Dv|Er|Ms|Cd|Fn|Fa|Ft|Xo|Xc|Bro|Brc|Qo|Qc|Do|Dc|Po|Pc)$/
}

function is_close_punct(x) {
	return x ~ /^[.,:;)\]?!]$/
}

# Append text t to out, with a space unless joined.
function put(t) {
	if (t == "")
		return
	if (out != "" && !nospace && out !~ /[(\[]$/)
		out = out " "
	out = out t
	nospace = 0
}

function close_all() {
	while (nenc > 0) {
		out = out enc[nenc]
		nenc--
	}
}

# A macro line (without its dot), or text, rendered.
function render(line, ismacro,    w, n, i, x, mode, j, all_punct, literal) {
	out = ""
	nospace = 0
	nenc = 0
	ql = 0
	if (!ismacro)
		return unescape(line)
	n = words(line, w)
	for (i = 1; i <= n; i++) {
		literal[i] = w[i] ~ /^\\&/
		w[i] = unescape(w[i])
	}
	mode = ""
	for (i = 1; i <= n; i++) {
		x = w[i]
		if (literal[i]) {
			put(mode == "Ar" ? "<" x ">" : x)
			continue
		}
		if (is_macro(x)) {
			# Ql encloses its words only, up to the next macro.
			if (x != "Ns" && ql > 0 && w[i - 1] != "Ns") {
				out = out "'"
				ql = 0
			}
			if (x == "Ns") {
				nospace = 1
				continue
			}
			if (x == "Ql") {
				put("'")
				nospace = 1
				ql = 1
				mode = ""
				continue
			}
			if (x == "Sq") {
				put("'")
				nospace = 1
				enc[++nenc] = "'"
				mode = ""
				continue
			}
			if (x == "Dq") {
				put("\"")
				nospace = 1
				enc[++nenc] = "\""
				mode = ""
				continue
			}
			if (x == "Pq") {
				put("(")
				nospace = 1
				enc[++nenc] = ")"
				mode = ""
				continue
			}
			if (x == "Op") {
				put("[")
				nospace = 1
				enc[++nenc] = "]"
				mode = ""
				continue
			}
			if (x == "Oo") {
				put("[")
				nospace = 1
				mode = ""
				continue
			}
			if (x == "Oc") {
				out = out "]"
				mode = ""
				continue
			}
			if (x == "Xr") {
				put(w[i + 1] "(" w[i + 2] ")")
				i += 2
				continue
			}
			if (x == "Fl" && (i == n || is_macro(w[i + 1])))
				put("-")
			mode = x
			continue
		}
		if (is_close_punct(x)) {
			all_punct = 1
			for (j = i; j <= n; j++)
				if (!is_close_punct(w[j]))
					all_punct = 0
			if (all_punct) {
				if (ql > 0)
					out = out "'"
				ql = 0
				close_all()
			}
			out = out x
			continue
		}
		if (x == "|" || x == "...") {
			put(x)
			continue
		}
		if (mode == "Fl" && x == "=")
			put(x)
		else if (mode == "Fl")
			put("-" x)
		else if (mode == "Ar")
			put("<" x ">")
		else
			put(x)
	}
	if (ql > 0)
		out = out "'"
	ql = 0
	close_all()
	return out
}

function cstring(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\?/, "\\?", s)	# no trigraphs
	return "\"" s "\""
}

# A display or list inside the first sentence ends it.
function end_in_display() {
	sub(/[,:;]$/, "", desc)
	desc = desc " ..."
	collecting = 0
}

function flush_item() {
	if (cmd != "" && item != "") {
		sub(/^ +/, "", desc)
		print "\t{ " cstring(cmd) ", " cstring(item) ", " cstring(desc) " },"
	}
	item = ""
	desc = ""
	collecting = 0
}

/^\.Sh / {
	flush_item()
	commands = ($0 == ".Sh COMMANDS")
	cmd = ""
	depth = 0
	next
}

!commands { next }

/^\.Ss / {
	flush_item()
	cmd = unescape(substr($0, 5))
	depth = 0
	refsub = ""
	next
}

/^\.Bl / {
	if (collecting)
		end_in_display()
	depth++
	next
}

/^\.El/ {
	if (depth == 1 || (depth == 2 && refsub != ""))
		flush_item()
	depth--
	next
}

# The options of a ref subcommand, in a list inside its item, are
# "<subcommand> <option>", which cmd_help shows under that subcommand.
/^\.It / && depth == 2 && refsub != "" && $2 == "Fl" {
	flush_item()
	item = refsub " " render(substr($0, 5), 1)
	collecting = 1
	next
}

/^\.It / {
	if (depth != 1)
		next
	flush_item()
	refsub = ""
	# Options; for ref, whose subcommands take them, its subcommands.
	if ($2 != "Fl" && !($2 == "Cm" && cmd == "ref"))
		next
	if ($2 == "Cm")
		refsub = $3
	item = render(substr($0, 5), 1)
	collecting = 1
	next
}

substr($0, 1, 3) == ".\\\"" { next }	# a comment

collecting {
	if ($0 ~ /^\.Bd/) {
		end_in_display()
		next
	}
	if ($0 ~ /^\.(Pp|Ed)/) {
		collecting = 0
		next
	}
	if ($0 ~ /^\./)
		t = render(substr($0, 2), 1)
	else
		t = render($0, 0)
	desc = desc " " t
	if (t ~ /[.!?]$/ && t !~ /(e\.g|i\.e)\.$/)
		collecting = 0
	next
}

END {
	flush_item()
	print "\t{ NULL, NULL, NULL },"
	print "};"
}
