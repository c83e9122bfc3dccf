"""A small, safe formula language for assessment indicators (考核指标公式): never eval, never Python's parser.

Grammar (whitespace ignored; full-width brackets, commas and operators are read as their ASCII forms):

    formula  := expr
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | KEY | FUNC "(" args ")" | "(" expr ")"

- NUMBER: 12, 0.5, 1e3 is not accepted (plain decimals only).
- KEY: a figure key of insight/figures.py (members, joins, cases_closed ...). A bare key means the key's value over
  the period as its kind says: a flow (joins, activities ...) is summed over the period's months, a stock (members,
  gig_members ...) is the value of the period's last month. Always the figure's `subtree` (the org and everything
  below it), the figure a leader of that org reads.
- Functions:
    sum(key)      the key summed over the period's months (whatever its kind)
    last(key)     the key in the period's last month
    avg(key)      the monthly average over the period (sum ÷ number of months)
    rate(a, b)    a ÷ b; no value when b is 0
    pct(a, b)     a ÷ b × 100; no value when b is 0
    min(a, b, …), max(a, b, …)
- "/" by zero gives no value, and anything computed from no value has no value (the indicator then scores 0).

Errors are `FormulaError` (a core.errors.Invalid) whose message names the 1-based character position:
"公式第 12 个字符处：未知指标 foo".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation

from smartunion.core.errors import Invalid

MAX_LENGTH = 500
MAX_DEPTH = 30
AGGREGATES = ("sum", "last", "avg")
FUNCTIONS: dict[str, tuple[int, int | None]] = {  # name -> (min args, max args)
    "rate": (2, 2), "pct": (2, 2), "min": (2, None), "max": (2, None),
}
FUNCTION_LABELS = {
    "sum": "期内合计", "last": "期末值", "avg": "月平均", "rate": "比率（a÷b）", "pct": "百分比（a÷b×100）",
    "min": "最小值", "max": "最大值",
}
_WIDE = str.maketrans({"（": "(", "）": ")", "，": ",", "＋": "+", "－": "-", "×": "*", "＊": "*", "÷": "/",
                       "／": "/", "．": ".", "　": " "})

# Node shapes (tuples, so a parsed formula is plain data):
#   ("num", Decimal)  ("key", key, agg)  ("neg", node)  ("bin", op, left, right)  ("call", name, [nodes])
Node = tuple


class FormulaError(Invalid):
    code = "invalid_formula"

    def __init__(self, message: str, *, position: int | None = None):
        self.position = position
        text = f"公式第 {position} 个字符处：{message}" if position is not None else f"公式有误：{message}"
        super().__init__(text, fields={"formula": text})


@dataclass
class Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    position: int  # 1-based


def tokenize(text: str) -> list[Token]:
    source = text.translate(_WIDE)
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if char.isdigit() or (char == "." and i + 1 < len(source) and source[i + 1].isdigit()):
            start = i
            while i < len(source) and (source[i].isdigit() or source[i] == "."):
                i += 1
            number = source[start:i]
            if number.count(".") > 1:
                raise FormulaError(f"数字 {number} 的格式不正确", position=start + 1)
            tokens.append(Token("num", number, start + 1))
            continue
        if char.isascii() and (char.isalpha() or char == "_"):
            start = i
            while i < len(source) and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            tokens.append(Token("name", source[start:i], start + 1))
            continue
        if char in "+-*/(),":
            tokens.append(Token("op", char, i + 1))
            i += 1
            continue
        raise FormulaError(f"不能识别的字符“{char}”", position=i + 1)
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


@dataclass
class Formula:
    """A parsed formula: `tree` (nodes above), the figure keys it reads, and its evaluation."""

    text: str
    tree: Node
    keys: set[str] = field(default_factory=set)
    uses: set[tuple[str, str]] = field(default_factory=set)  # (key, aggregate) pairs

    def evaluate(self, value_of: Callable[[str, str], Decimal | None]) -> Decimal | None:
        """The value, with `value_of(key, aggregate)` giving a figure's value ("sum", "last" or "avg")."""
        return _evaluate(self.tree, value_of)


class _Parser:
    def __init__(self, text: str, keys: Iterable[str], stocks: Iterable[str]):
        self.tokens = tokenize(text)
        self.index = 0
        self.keys = set(keys)
        self.stocks = set(stocks)
        self.used: set[str] = set()
        self.uses: set[tuple[str, str]] = set()
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, op: str) -> Token:
        token = self.token
        if token.kind != "op" or token.text != op:
            found = "公式结尾" if token.kind == "end" else f"“{token.text}”"
            raise FormulaError(f"这里应为“{op}”，却是{found}", position=token.position)
        return self.take()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise FormulaError("公式不能为空")
        node = self.expr()
        if self.token.kind != "end":
            raise FormulaError(f"多余的“{self.token.text}”", position=self.token.position)
        return node

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"括号或函数嵌套超过 {MAX_DEPTH} 层", position=self.token.position)
        node = self.term()
        while self.token.kind == "op" and self.token.text in "+-":
            op = self.take().text
            node = ("bin", op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.token.kind == "op" and self.token.text in "*/":
            op = self.take().text
            node = ("bin", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            self.take()
            return ("neg", self.unary())
        if self.token.kind == "op" and self.token.text == "+":
            self.take()
            return self.unary()
        return self.primary()

    def key(self, token: Token, aggregate: str | None) -> Node:
        if token.text not in self.keys:
            raise FormulaError(f"未知指标 {token.text}", position=token.position)
        agg = aggregate or ("last" if token.text in self.stocks else "sum")
        self.used.add(token.text)
        self.uses.add((token.text, agg))
        return ("key", token.text, agg)

    def primary(self) -> Node:
        token = self.token
        if token.kind == "num":
            self.take()
            try:
                return ("num", Decimal(token.text))
            except InvalidOperation:
                raise FormulaError(f"数字 {token.text} 的格式不正确", position=token.position) from None
        if token.kind == "op" and token.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        if token.kind == "name":
            self.take()
            following = self.token
            if following.kind == "op" and following.text == "(":
                return self.call(token)
            if token.text in AGGREGATES or token.text in FUNCTIONS:
                raise FormulaError(f"函数 {token.text} 后应有“(”", position=following.position)
            return self.key(token, None)
        if token.kind == "end":
            raise FormulaError("公式不完整，结尾缺少数字、指标或“)”", position=token.position)
        raise FormulaError(f"这里不能是“{token.text}”", position=token.position)

    def call(self, name: Token) -> Node:
        self.expect("(")
        if name.text in AGGREGATES:
            argument = self.token
            if argument.kind != "name" or argument.text in AGGREGATES or argument.text in FUNCTIONS:
                raise FormulaError(f"函数 {name.text} 的参数应为一个指标", position=argument.position)
            self.take()
            node = self.key(argument, name.text)
            self.expect(")")
            return node
        if name.text not in FUNCTIONS:
            raise FormulaError(f"未知函数 {name.text}", position=name.position)
        low, high = FUNCTIONS[name.text]
        args = [self.expr()]
        while self.token.kind == "op" and self.token.text == ",":
            self.take()
            args.append(self.expr())
        closing = self.expect(")")
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f" {low} 个" if low == high else f"至少 {low} 个"
            raise FormulaError(f"函数 {name.text} 需要{wanted}参数，却有 {len(args)} 个", position=closing.position)
        return ("call", name.text, args)


def parse(text: str, *, keys: Iterable[str], stocks: Iterable[str] = ()) -> Formula:
    """Parse `text` against the known figure keys (`stocks`: those whose bare value is the period's last month)."""
    if not isinstance(text, str):
        raise FormulaError("公式应为文本")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"公式最长 {MAX_LENGTH} 个字符")
    parser = _Parser(text, keys, stocks)
    tree = parser.parse()
    return Formula(text=text, tree=tree, keys=parser.used, uses=parser.uses)


def figure_keys() -> tuple[list[str], set[str]]:
    """The keys a formula may read (insight/figures.py) and the stocks among them."""
    from smartunion.insight import figures

    return list(figures.KEYS), {f.key for f in figures.FIGURES if f.kind == figures.STOCK}


def parse_indicator(text: str) -> Formula:
    """Parse against the roll-ups' figure registry."""
    keys, stocks = figure_keys()
    return parse(text, keys=keys, stocks=stocks)


def _divide(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None or b is None or b == 0:
        return None
    try:
        return a / b
    except (DivisionByZero, InvalidOperation):
        return None


def _evaluate(node: Node, value_of) -> Decimal | None:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "key":
        return value_of(node[1], node[2])
    if kind == "neg":
        inner = _evaluate(node[1], value_of)
        return None if inner is None else -inner
    if kind == "bin":
        left, right = _evaluate(node[2], value_of), _evaluate(node[3], value_of)
        if node[1] == "/":
            return _divide(left, right)
        if left is None or right is None:
            return None
        return left + right if node[1] == "+" else left - right if node[1] == "-" else left * right
    name, args = node[1], [_evaluate(arg, value_of) for arg in node[2]]
    if name == "rate":
        return _divide(args[0], args[1])
    if name == "pct":
        ratio = _divide(args[0], args[1])
        return None if ratio is None else ratio * 100
    if any(a is None for a in args):
        return None
    return min(args) if name == "min" else max(args)  # type: ignore[type-var]


def render(node: Node) -> str:
    """The formula written back in canonical form (for tests and screens)."""
    kind = node[0]
    if kind == "num":
        return str(node[1])
    if kind == "key":
        return f"{node[2]}({node[1]})"
    if kind == "neg":
        return f"-{render(node[1])}"
    if kind == "bin":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    return f"{node[1]}({', '.join(render(a) for a in node[2])})"
