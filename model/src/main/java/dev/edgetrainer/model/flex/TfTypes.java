package dev.edgetrainer.model.flex;

import dev.edgetrainer.model.tensor.DataType;

/** TensorFlow's {@code DataType} enum codes, as NodeDef attributes carry them. */
final class TfTypes {

    private TfTypes() {
    }

    static DataType toRuntime(int tfType) {
        return switch (tfType) {
            case 1 -> DataType.FLOAT32;
            case 2 -> DataType.FLOAT64;
            case 3 -> DataType.INT32;
            case 4 -> DataType.UINT8;
            case 5 -> DataType.INT16;
            case 6 -> DataType.INT8;
            case 7 -> DataType.STRING;
            case 9 -> DataType.INT64;
            case 10 -> DataType.BOOL;
            default -> throw new FlexOpException("unsupported TensorFlow dtype " + tfType);
        };
    }

}
