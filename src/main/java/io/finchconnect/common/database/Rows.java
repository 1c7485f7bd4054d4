package io.finchconnect.common.database;

import java.util.function.Function;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

/** Reading a statement's result that has at most one row. */
public final class Rows {

    private Rows() {
    }

    /** The first row, mapped; {@code null} when there is none. */
    public static <T> T firstOrNull(RowSet<Row> rows, Function<Row, T> mapping) {
        return rows.iterator().hasNext() ? mapping.apply(rows.iterator().next()) : null;
    }
}
