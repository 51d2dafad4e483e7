"""CloudWatch metric math for one data point: the subset scaling alarms use, with CloudWatch's semantics.

Supported: numbers, query ids, `+ - * /`, unary minus, comparisons (`< > <= >= == !=`, true is 1 and false
0), `AND`/`&&`, `OR`/`||`, `NOT`/`!`, parentheses, `IF(condition, a, b)` (and `IF(condition, a)`, missing
when false) and `FILL(series, value)`. A missing data point (None) stays missing through every operation
but FILL, as in CloudWatch, where an expression has no data point at a timestamp where an input has none
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html, "Metric math syntax
and functions"). Division by zero is missing too; the program's expressions guard it with IF.

Hand-written: no library parses CloudWatch's expression language, and a 100-line Pratt parser with one
node type per construct is easier to check than a generic grammar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Value = float | None


class ExpressionError(ValueError):
    """The expression is not metric math this evaluator knows; the message names the problem."""


_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|&&|\|\||[-+*/<>(),!]))"
)
_KEYWORDS = {"AND": "&&", "OR": "||", "NOT": "!"}


def _tokens(expression: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise ExpressionError(f"{expression!r}: cannot read {expression[position:].strip()!r}")
        kind = match.lastgroup
        assert kind is not None
        text = match.group(kind)
        if kind == "name" and text.upper() in _KEYWORDS:
            kind, text = "op", _KEYWORDS[text.upper()]
        tokens.append((kind, text))
        position = match.end()
    return tokens


Node = Callable[[Mapping[str, Value]], Value]


def _binary(operator: str, left: Node, right: Node) -> Node:
    def apply(a: float, b: float) -> Value:
        match operator:
            case "+":
                return a + b
            case "-":
                return a - b
            case "*":
                return a * b
            case "/":
                return None if b == 0 else a / b
            case "<":
                return float(a < b)
            case ">":
                return float(a > b)
            case "<=":
                return float(a <= b)
            case ">=":
                return float(a >= b)
            case "==":
                return float(a == b)
            case "!=":
                return float(a != b)
            case "&&":
                return float(bool(a) and bool(b))
            case "||":
                return float(bool(a) or bool(b))
        raise ExpressionError(f"unknown operator {operator!r}")

    def node(values: Mapping[str, Value]) -> Value:
        a, b = left(values), right(values)
        return None if a is None or b is None else apply(a, b)

    return node


_BINDING = {
    "||": 1,
    "&&": 2,
    "<": 3,
    ">": 3,
    "<=": 3,
    ">=": 3,
    "==": 3,
    "!=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
}


@dataclass
class _Parser:
    expression: str
    tokens: list[tuple[str, str]]
    position: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (expected is not None and token[1] != expected):
            found = "the end" if token is None else repr(token[1])
            raise ExpressionError(f"{self.expression!r}: expected {expected or 'a value'}, found {found}")
        self.position += 1
        return token

    def parse(self, binding: int = 0) -> Node:
        left = self.prefix()
        while (token := self.peek()) is not None and _BINDING.get(token[1], 0) > binding:
            operator = self.take()[1]
            left = _binary(operator, left, self.parse(_BINDING[operator]))
        return left

    def prefix(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            number = float(text)
            return lambda values: number
        if text == "(":
            inner = self.parse()
            self.take(")")
            return inner
        if text in ("-", "!"):
            operand = self.parse(5)
            if text == "-":
                return lambda values: None if (v := operand(values)) is None else -v
            return lambda values: None if (v := operand(values)) is None else float(not v)
        if kind == "name":
            if (token := self.peek()) is not None and token[1] == "(":
                return self.call(text.upper())
            return lambda values: _lookup(values, text, self.expression)
        raise ExpressionError(f"{self.expression!r}: unexpected {text!r}")

    def call(self, function: str) -> Node:
        self.take("(")
        arguments = [self.parse()]
        while (token := self.peek()) is not None and token[1] == ",":
            self.take(",")
            arguments.append(self.parse())
        self.take(")")
        if function == "FILL" and len(arguments) == 2:
            series, fill = arguments
            return lambda values: fill(values) if (v := series(values)) is None else v
        if function == "IF" and len(arguments) in (2, 3):
            condition, when_true = arguments[0], arguments[1]
            when_false = arguments[2] if len(arguments) == 3 else (lambda values: None)

            def choose(values: Mapping[str, Value]) -> Value:
                decided = condition(values)
                if decided is None:
                    return None
                return when_true(values) if decided else when_false(values)

            return choose
        raise ExpressionError(
            f"{self.expression!r}: {function} with {len(arguments)} arguments is not supported"
        )


def _lookup(values: Mapping[str, Value], name: str, expression: str) -> Value:
    if name not in values:
        raise ExpressionError(f"{expression!r}: no query with id {name!r}")
    return values[name]


def compile_expression(expression: str) -> Node:
    """A function from the data point of each query id (None when missing) to the expression's value."""
    parser = _Parser(expression, _tokens(expression))
    node = parser.parse()
    if parser.peek() is not None:
        raise ExpressionError(f"{expression!r}: unexpected {parser.peek()[1]!r}")  # type: ignore[index]
    return node


def evaluate(expression: str, values: Mapping[str, Value]) -> Value:
    return compile_expression(expression)(values)
