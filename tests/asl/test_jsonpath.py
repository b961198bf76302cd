import pytest

from podium.asl import jsonpath

DOC = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "price": 12.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "isbn": "0-395", "price": 22.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "a b": 1,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.store.bicycle.color", "red"),
        ("$['store']['bicycle']['price']", 19.95),
        ("$['a b']", 1),
        ("$.store.book[0].author", "Nigel Rees"),
        ("$.store.book[-1].price", 22.99),
        ("$.store.book[*].author", ["Nigel Rees", "Evelyn Waugh", "J. R. R. Tolkien"]),
        ("$..price", [8.95, 12.99, 22.99, 19.95]),
        ("$.store.book[0,1].price", [8.95, 12.99]),
        ("$.store.book[:2].price", [8.95, 12.99]),
        ("$.store.book[1:].price", [12.99, 22.99]),
        ("$.store.book[?(@.isbn)].author", ["J. R. R. Tolkien"]),
        ("$.store.book[?(@.price < 10)].author", ["Nigel Rees"]),
        ("$.store.book[?(@.category == 'fiction' && @.price > 20)].price", [22.99]),
        ("$.store.book[?(@.category != 'fiction' || @.price > 20)].price", [8.95, 22.99]),
        ("$.store.bicycle.*", ["red", 19.95]),
        ("$.store.book[?(@.price > 100)]", []),
    ],
)
def test_find(path, expected):
    assert jsonpath.find(path, DOC) == expected


def test_missing_definite_path_raises():
    with pytest.raises(jsonpath.PathMissing):
        jsonpath.find("$.store.car", DOC)
    with pytest.raises(jsonpath.PathMissing):
        jsonpath.find("$.store.book[9]", DOC)


@pytest.mark.parametrize("bad", ["store", "$.", "$[", "$[?(@.a ==]"])
def test_bad_paths(bad):
    with pytest.raises(jsonpath.PathError):
        jsonpath.compile_path(bad)


def test_assign_creates_and_replaces():
    assert jsonpath.assign("$.a.b", {"x": 1}, 2) == {"x": 1, "a": {"b": 2}}
    assert jsonpath.assign("$.x", {"x": 1}, [3]) == {"x": [3]}
    assert jsonpath.assign("$.l[1]", {"l": [0, 0]}, 5) == {"l": [0, 5]}
    source = {"x": {"y": 1}}
    jsonpath.assign("$.x.y", source, 2)
    assert source == {"x": {"y": 1}}


def test_assign_through_a_scalar_fails():
    with pytest.raises(LookupError):
        jsonpath.assign("$.x.y", {"x": 1}, 2)
    with pytest.raises(LookupError):
        jsonpath.assign("$.x", "text", 2)


JAR = {"foo": 123, "bar": ["a", "b", "c"], "jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}]}


def test_aws_paths_page_examples():
    assert jsonpath.find("$.foo", JAR) == 123
    assert jsonpath.find("$.bar", JAR) == ["a", "b", "c"]
    assert jsonpath.find("$.jar[?(@.a >= 5)]", JAR) == [{"a": 5}, {"a": 7}]


def test_filters_do_not_match_scalar_items():
    assert jsonpath.find("$.bar[?(@ == 'a')]", JAR) == []


def test_dot_before_a_bracket():
    assert jsonpath.find("$.['foo']", JAR) == 123
    assert jsonpath.find("$.jar.[?(@.a < 2)]", JAR) == [{"a": 1}]
    assert jsonpath.find("$.[?(@.a == 2)].a", JAR["jar"]) == [2]


def test_functions_parse_but_find_nothing():
    assert not jsonpath.compile_path("$.jar.length()").is_reference()
    with pytest.raises(jsonpath.PathMissing):
        jsonpath.find("$.bar.length()", JAR)
    with pytest.raises(jsonpath.PathMissing):
        jsonpath.find("$.jar[*].a.sum()", JAR)


TAGS = {
    "b": [
        {"c": "x", "t": ["a", "b"], "n": 1},
        {"c": "y", "t": [], "n": 2},
        {"c": "z", "t": ["c"], "n": 3, "opt": None},
    ]
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.b[?(@.c in ['x', 'z'])].n", [1, 3]),
        ("$.b[?(@.n in [1, 3])].c", ["x", "z"]),
        ("$.b[?(@.c nin ['x'])].n", [2, 3]),
        ("$.b[?(@.t subsetof ['a', 'b'])].n", [1, 2]),
        ("$.b[?(@.t anyof ['c'])].n", [3]),
        ("$.b[?(@.t noneof ['c'])].n", [1, 2]),
        ("$.b[?(@.t size 2)].n", [1]),
        ("$.b[?(@.c size 1)].n", [1, 2, 3]),
        ("$.b[?(@.t empty true)].n", [2]),
        ("$.b[?(@.t empty false)].n", [1, 3]),
        ("$.b[?(@.opt)].n", [3]),
        ("$.b[?(!@.opt)].n", [1, 2]),
        ("$.b[?(@.c =~ /[xy]/)].n", [1, 2]),
        ("$.b[?(@.n == 1.0)].c", ["x"]),
        ("$.b[?(@.n == '1')].c", []),
        ("$.b[?(@.n > $.b[0].n)].c", ["y", "z"]),
    ],
)
def test_filter_operators(path, expected):
    assert jsonpath.find(path, TAGS) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", "$"),
        ("$.a.b", "$['a']['b']"),
        ("$.a[0]['b c']", "$['a'][0]['b c']"),
        ("$.a[*]", "$['a'][*]"),
    ],
)
def test_normalized_paths_for_error_causes(path, expected):
    assert jsonpath.normalized(path) == expected


def test_several_quoted_names_pick_members_into_an_object():
    doc = {"a": 1, "b": 2, "c": 3}
    assert jsonpath.find("$['a','b']", doc) == [{"a": 1, "b": 2}]
    assert jsonpath.find("$['a','z']", doc) == [{"a": 1}]


def test_regex_filters_match_the_whole_string():
    doc = [{"s": "abc"}, {"s": "xabcx"}]
    assert jsonpath.find("$[?(@.s =~ /abc/)].s", doc) == ["abc"]
    assert jsonpath.find("$[?(@.s =~ /.*abc.*/)].s", doc) == ["abc", "xabcx"]
    assert jsonpath.find("$[?(@.s =~ /ABC/i)].s", doc) == ["abc"]
