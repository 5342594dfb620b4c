"""Edit operators of the search optimizer: small syntactic edits of one function (pure).

Automated program repair without a model: many real bugs are one or two small edits
away from correct. :func:`single_edits` enumerates every single edit of a function that
the operators below can make, :func:`double_edits` combinations of two, and
:func:`normalized` is the syntax-tree form used to tell programs apart. The driver
(``optimizers.search``) orders, budgets and tests them.

Operators (the name goes into commit messages; *size* is defined below):

=========================  ====================================================  ======
name                       edit                                                  size
=========================  ====================================================  ======
comparison swap            ``<``/``<=``/``>``/``>=``/``==``/``!=``,               1
                           ``is``/``is not``, ``in``/``not in``, ``is``/``==``
arithmetic swap            ``+ - * / // % ** @`` and their ``x += y`` forms       1
bitwise swap               ``& | ^ << >>`` and their ``x &= y`` forms             1
assignment swap            ``x += y`` ↔ ``x = y``                                 1
and/or swap                ``and`` ↔ ``or``, the whole chain, or one operator of  1
                           a longer chain (``a or b or c`` → ``a or b and c``)
min/max swap, any/all      ``min`` ↔ ``max``, ``any`` ↔ ``all``; function swap:   1
swap, function swap        ``floor``/``ceil``, other functions the code calls
add not, remove not        ``c`` ↔ ``not c`` on conditions, boolean operands and  1
                           returned boolean expressions
off by one                 ``e`` → ``e + 1``/``e - 1`` on indices, slice bounds,  1 or 2
                           ``range`` and call arguments (keyword ones too),
                           comparison operands,
                           returned and assigned values; ``c`` → ``c ± 1`` for
                           integer literals (1); ``range(n)`` → ``range(1, n)``
tune constant              a number → from the failing assertions' (actual,       1
                           expected) pairs: ``c ± (expected - actual)``,
                           ``c * expected / actual``; nearby values ``c ± 1``,
                           ``c * 10``, ``c / 10``, ``-c``, ``0``, ``1``
swap literal               a literal → another literal of the function; flip a    1
                           boolean
documented constant        a number → one the function's documentation states    1
                           (tried first: ``divisible by 11``)
module constant            a number → one written elsewhere in the module         1
usual constant             a number → one programmers write: those the words of   1
                           the names around it call for (``hours`` → 24, 60,
                           3600; ``bytes`` → 1024; ``degrees`` → 360), then the
                           usual values nearest to it (``usual``), before
                           arbitrary neighbours
variable swap              a name → another name in scope (parameters, locals,    1
                           loop and comprehension variables, module globals);
                           not one the trace saw holding only built-in values
                           that cannot go there (``hints.types``)
replace with variable      an expression → a variable in scope                   tokens
attribute swap             ``.start`` ↔ ``.end``, ``.lower`` ↔ ``.upper``, ...    1
                           and attributes the function uses; for a variable of a
                           known built-in type, its methods taking the same
                           arguments (``d.get(k, [])`` → ``d.setdefault(k, [])``)
swap arguments             ``f(a, b)`` → ``f(b, a)`` (also keyword values)        2
swap operands              ``a - b`` → ``b - a`` (non-commutative operators,      2
                           ``+`` included for sequences; ``in``)
swap elements              ``(a, b)`` → ``(b, a)``, also assignment targets       2
delete operand             ``a + b`` → ``a``; ``a and b`` → ``a``                 1 + tokens
insert operand             a missing term: ``e`` → ``x - e``/``e - x``/``e + x``  2
                           (``e`` a returned or assigned number, ``x`` a
                           variable ``e`` uses)
unwrap call                ``f(x)`` → ``x``; ``x.m()`` → ``x``                    tokens of f
wrap call                  ``x`` → ``f(x)`` with ``f`` a function the code        1
                           already calls with one argument
add slice, remove slice    ``x`` → ``x[1:]``/``x[:-1]``/``x[::-1]``; ``x[1:]``     1 or 2
                           → ``x``, ``x[a:b]`` → ``x[a:]``/``x[:b]``
insert guard               ``if <cond>: return <value>`` at the top of the body   tokens
                           and before the most suspicious statements; conditions
                           on the parameters and on the attributes the function
                           dereferences (``x.a is None``, ``not x.a``); values
                           also the returned f-string without the missing part
delete statement           a statement (``pass`` when a block would be empty)     tokens
insert statement           a copy of a statement of the function elsewhere (a     tokens
                           statement of a loop first right after the loop: the
                           forgotten last flush), a final ``return <local>``;
                           for a method, the ``self.x += ...`` bookkeeping of its
                           sibling methods, mirrored (``-=``) and as it is
move statement             a statement out of the block it ends, or into the      tokens
                           end of the block before it (indentation bugs)
swap statements            two adjacent statements                               tokens
use unused parameter       a parameter the function never reads joins a          2 or 3
                           condition: ``c`` → ``c and p``/``c and not p``/
                           ``c or p``
=========================  ====================================================  ======

**Size** counts the tokens an edit inserts, deletes or replaces: names, literals,
operators and keywords, not punctuation (brackets, commas, colons, dots). A replaced
token counts once, so a one-token change has size 1, ``x`` → ``x + 1`` has size 2, and
moving or swapping two subexpressions has size 2; inserting or deleting a statement or
an operand counts its tokens ("tokens" in the table).

**Lines** are 1-based lines of the function's source (the ``def`` line is 1), those the
edit changes; an insertion touches the line of the statement it is inserted before (at
the end of a block: the block's last line).

**Order.** Edits of the most suspicious lines first (``Hints.suspicious``), then by
priority (most frequent kinds of bugs first; each operator's, ``registry``), then the
smallest, then in the order of the operators in ``registry.OPERATORS`` and each
operator's own (mostly source order).

**Validity and duplicates** rest on compiling: an edit that does not compile (a syntax
warning counts) is dropped, and so is one that compiles to the same code (bytecode,
constants, names: everything but line numbers) as the original or an earlier edit.
Equal normalized syntax trees compile to equal code, so no two edits have the same
:func:`normalized` form; edits the compiler cannot tell apart (``x = 1 + 1`` and
``x = 2``, edits of unreachable code) are merged too. An expression edit changes one
top-level statement of the body, and only that statement is compiled, in a function
with the same header: a few times cheaper than compiling the whole function, and the
same verdict for such edits (functions with ``global``/``nonlocal`` and async
generators are compiled whole, and so are statement edits and pairs of edits).

**Text.** Lines an edit does not touch keep their exact text (comments, formatting); the
touched lines are rewritten from the syntax tree, preserving what they can (operators
are replaced in place, swapped subexpressions keep their text). When that is not
possible the whole function is written by :func:`ast.unparse`.

**Modules.** The API is the five names this package exports; its modules are internal,
but for the seam of the operators. Each kind of edit is an operator object (``name``,
``priority``, ``generate(function)``) in one list, ``registry.OPERATORS``: a new kind is
one module and one entry there (``docs/extending.md``). :func:`single_edits` builds a
``function.Function`` (the function's text and syntax tree, ``source``; its sites,
blocks and names, ``sites`` and ``scope``; the renderer; the builders of candidates),
asks each operator for its candidates, orders them and renders them.

==============  ======================================================================
``model``       :class:`Edit`, :class:`Hints`, candidates; when two programs are the same
``source``      the function's text: lines, byte offsets, spans, indentation
``syntax``      operator symbols, precedence, parentheses, operator tokens in the text
``nodes``       helpers on syntax trees: literals, lines, tokens, names bound
``sites``       the sites (expressions, with role and scope) and blocks of the function
``scope``       parameters, locals, globals, sequences, numbers; variables at a site
``function``    the function under edit as the operators read it, and the builders of
                their candidates (an expression replaced, a statement inserted)
``registry``    the :class:`Operator` protocol and :data:`OPERATORS`, in order
``operators``   comparison, arithmetic, bitwise, and/or, assignment swaps; add/remove not
``constants``   off by one, tune constant, swap literal, documented and module constants
``usual``       the numbers programmers write, and those the names around a literal call for
``names``       variable, function and attribute swaps; replace with variable
``operands``    swap arguments/operands/elements, delete operand, insert operand
``wrapping``    wrap/unwrap call, add/remove slice
``statements``  delete, insert, move and swap statements
``guards``      insert guard
``context``     what the rest of the module offers: numbers, documented numbers,
                sibling methods' bookkeeping (the driver passes it in :class:`Hints`)
``receivers``   the built-in type of a variable, and methods taking the same arguments
``rewrite``     the edited text, keeping the text of what an edit does not touch
``rendering``   compiling, deduplicating and describing an edit
``generation``  :func:`single_edits`, :func:`double_edits`, the order of the candidates
==============  ======================================================================
"""

from __future__ import annotations

from pytest_trace.optimizers.mutations.generation import double_edits, single_edits
from pytest_trace.optimizers.mutations.model import Edit, Hints, normalized

__all__ = ["Edit", "Hints", "double_edits", "normalized", "single_edits"]
