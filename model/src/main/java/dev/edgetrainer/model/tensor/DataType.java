package dev.edgetrainer.model.tensor;

/**
 * Tensor element types this runtime exchanges with Java. Codes are TFLite's
 * {@code TfLiteType} values.
 */
public enum DataType {

    FLOAT32(1, 4), INT32(2, 4), UINT8(3, 1), INT64(4, 8), STRING(5, 0), BOOL(6, 1), INT16(7, 2), INT8(9, 1),
    FLOAT64(11, 8), RESOURCE(20, 0), VARIANT(21, 0);

    private final int code;

    private final int byteSize;

    DataType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** Bytes per element; 0 for types without a fixed size. */
    public int byteSize() {
        return byteSize;
    }

    /** The type of a TFLite {@code TfLiteType} code. */
    public static DataType fromCode(int code) {
        for (DataType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported TFLite tensor type " + code);
    }

}
