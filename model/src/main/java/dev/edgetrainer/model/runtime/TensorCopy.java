package dev.edgetrainer.model.runtime;

import java.util.Arrays;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.StringTensors;
import dev.edgetrainer.model.tensor.Tensor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.TfLiteIntArray;
import org.bytedeco.tensorflowlite.TfLiteTensor;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.*;

/** Copies between Java tensors and TFLite's, never past the native tensor's byte size. */
final class TensorCopy {

    private TensorCopy() {
    }

    static void copyIn(String name, TfLiteTensor target, Tensor tensor) {
        if (tensor.type() == DataType.STRING) {
            byte[] packed = StringTensors.pack(tensor.strings());
            if (TfLiteTensorRealloc(packed.length, target) != kTfLiteOk) {
                throw new ModelException("cannot allocate " + packed.length + " bytes for string input '" + name + "'");
            }
            new BytePointer(TfLiteTensorData(target)).capacity(packed.length).put(packed);
            return;
        }
        long expected = tensor.byteSize();
        long actual = TfLiteTensorByteSize(target);
        if (expected != actual) {
            // Cannot happen after the shape check unless the model lies about its tensor;
            // never write past it.
            throw new ModelException("input '" + name + "' holds " + actual + " bytes, data has " + expected);
        }
        if (expected == 0) {
            return;
        }
        switch (tensor.type()) {
            case FLOAT32 ->
                new FloatPointer(TfLiteTensorData(target)).capacity(tensor.elementCount()).put(tensor.floats());
            case INT32 -> new IntPointer(TfLiteTensorData(target)).capacity(tensor.elementCount()).put(tensor.ints());
            case INT64 -> new LongPointer(TfLiteTensorData(target)).capacity(tensor.elementCount()).put(tensor.longs());
            case UINT8, INT8, BOOL -> new BytePointer(TfLiteTensorData(target)).capacity(expected).put(tensor.bytes());
            default -> throw new InvalidInputException(name, "inputs of type " + tensor.type() + " are not supported");
        }
    }

    /**
     * Copies an output out of the interpreter, into {@code reuse} when it has the
     * output's dtype and shape (saving the allocation in loops), else into new arrays.
     */
    static Tensor copyOut(String name, TfLiteTensor source, Tensor reuse) {
        DataType type = type(TfLiteTensorType(source));
        int[] shape = dims(source.dims());
        int count = (int) Tensor.elementCount(shape);
        long bytes = TfLiteTensorByteSize(source);
        if (type == DataType.STRING) {
            byte[] packed = new byte[(int) bytes];
            new BytePointer(TfLiteTensorData(source)).capacity(bytes).get(packed);
            try {
                return Tensor.ofStrings(shape, StringTensors.unpack(packed, count, name));
            }
            catch (IllegalArgumentException e) {
                throw new ModelException(e.getMessage(), e);
            }
        }
        if (bytes != (long) count * type.byteSize()) {
            throw new ModelException(
                    "output '" + name + "' has " + bytes + " bytes for shape " + Arrays.toString(shape));
        }
        Tensor target = reuse != null && reuse.type() == type && reuse.hasShape(shape) ? reuse
                : Tensor.zeros(type, shape);
        if (count == 0) {
            return target;
        }
        Pointer data = TfLiteTensorData(source);
        switch (type) {
            case FLOAT32 -> new FloatPointer(data).capacity(count).get(target.floats());
            case INT32 -> new IntPointer(data).capacity(count).get(target.ints());
            case INT64 -> new LongPointer(data).capacity(count).get(target.longs());
            case UINT8, INT8, BOOL -> new BytePointer(data).capacity(count).get(target.bytes());
            default -> throw new ModelException("output '" + name + "' has unsupported type " + type);
        }
        return target;
    }

    /**
     * The dtype of a TFLite type code; a code no Java array holds is the model's problem.
     */
    static DataType type(int code) {
        try {
            return DataType.fromCode(code);
        }
        catch (IllegalArgumentException e) {
            throw new ModelException(e.getMessage());
        }
    }

    static int[] dims(TfLiteIntArray array) {
        if (array == null || array.isNull()) {
            return new int[0];
        }
        int[] dims = new int[array.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = array.data(i);
        }
        return dims;
    }

}
