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
